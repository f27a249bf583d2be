import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { publishSecurityEvent } from '../security-events.js';
import { revokeSessions } from '../session-tokens.js';
import { type UserView, userView } from './create-user.js';

/**
 * Disables a user or service account by id or name: logins stop, its sessions and their live
 * access tokens are revoked, and its API keys stop resolving.
 */
export async function disableUser(deps: AuthDeps, idOrName: string, actor: string): Promise<UserView> {
  const user = (await deps.store.userById(idOrName)) ?? (await deps.store.userByName(idOrName.toLowerCase()));
  if (user === undefined) throw authErrors.create('AUTH_USER_NOT_FOUND', `no user ${idOrName}`);
  await deps.store.setDisabled(user.id, true);
  await revokeSessions(deps, { userId: user.id }, 'account-disabled');
  await publishSecurityEvent(deps, EVENT_TYPES.authUserDisabled, {
    userId: user.id,
    username: user.username,
    actor,
  });
  return userView({ ...user, disabled: true });
}
