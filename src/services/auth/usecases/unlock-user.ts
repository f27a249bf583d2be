import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { publishSecurityEvent } from '../security-events.js';
import { LOGIN_KEYS } from './login.js';

/** How long an unlock is remembered: longer than any lock (a day). */
const UNLOCK_MEMORY_MS = 86_400_000 + 60_000;

/**
 * Lifts every login lock of an account name, from every address (`acgs user unlock`, `POST
 * /api/v1/auth/users/:id/unlock`): locks made before now no longer hold, and the per-account login
 * limit starts again. Works by name, so it also
 * clears names that do not exist (they lock like real ones).
 */
export async function unlockUser(
  deps: AuthDeps,
  idOrName: string,
  actor: string,
): Promise<{ username: string }> {
  const user = (await deps.store.userById(idOrName)) ?? (await deps.store.userByName(idOrName.toLowerCase()));
  const name = user?.username ?? idOrName.toLowerCase();
  await deps.cache.set(LOGIN_KEYS.unlocked(name), String(deps.now()), UNLOCK_MEMORY_MS);
  // The per-account login limit, spent by an attacker, starts again too.
  await deps.cache.delete(LOGIN_KEYS.accountRate(name));
  await publishSecurityEvent(deps, EVENT_TYPES.authAccountUnlocked, {
    username: name,
    ...(user === undefined ? {} : { userId: user.id }),
    actor,
  });
  return { username: name };
}
