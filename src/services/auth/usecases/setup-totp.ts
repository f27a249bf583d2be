import type { Principal } from '../../../kernel/roles.js';
import { sealSecret } from '../../../kit/secret-envelope.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { newTotpSecret, otpauthUri } from '../totp.js';

/**
 * Starts TOTP enrolment: stores a new secret (not yet enforced) and returns it with an
 * `otpauth://` URI for an authenticator app. `confirmTotp` turns it on.
 */
export async function setupTotp(
  deps: AuthDeps,
  principal: Principal,
): Promise<{ secret: string; otpauthUri: string }> {
  const user = await deps.store.userById(principal.subject);
  if (user === undefined || user.kind !== 'user')
    throw authErrors.create('AUTH_NOT_A_USER', 'two-factor set-up needs a user session');
  if (user.totpEnabled) throw authErrors.create('AUTH_TOTP_STATE', 'two-factor authentication is already on');
  const secret = newTotpSecret();
  await deps.store.setTotpSecret(user.id, sealSecret(secret));
  return { secret, otpauthUri: otpauthUri('ACGS', user.username, secret) };
}
