import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { publishSecurityEvent } from '../security-events.js';

/**
 * Starts signing with a new key. The old keys stay in the JWKS until the tokens they signed have
 * expired (access-token lifetime plus a minute), so no valid token stops verifying.
 */
export async function rotateSigningKey(
  deps: AuthDeps,
  actor: string,
): Promise<{ kid: string; retired: string[]; activeFrom: string }> {
  const result = await deps.keyRing.rotate();
  await publishSecurityEvent(deps, EVENT_TYPES.authSigningKeyRotated, { kid: result.kid, actor });
  return result;
}
