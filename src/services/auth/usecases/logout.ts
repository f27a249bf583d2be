import { EVENT_TYPES } from '../../../kernel/events.js';
import type { Principal } from '../../../kernel/roles.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { secretDigest } from '../secret-tokens.js';
import { publishSecurityEvent } from '../security-events.js';
import { revokeSessions } from '../session-tokens.js';

/** Ends the session a refresh token belongs to: the refresh family and its live access token. */
export async function logout(deps: AuthDeps, principal: Principal, refreshToken: string): Promise<void> {
  const record = await deps.store.refreshToken(secretDigest(refreshToken));
  const session = record ? await deps.store.session(record.sessionId) : undefined;
  if (session === undefined || session.userId !== principal.subject)
    throw authErrors.create('AUTH_REFRESH_INVALID', 'the refresh token is not one of your sessions');
  await revokeSessions(deps, { sessionId: session.id }, 'logout');
  await publishSecurityEvent(deps, EVENT_TYPES.authLoggedOut, {
    userId: session.userId,
    sessionId: session.id,
    reason: 'logout',
  });
}
