import type { Principal } from '../../../kernel/roles.js';
import { openSecret } from '../../../kit/secret-envelope.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { newRecoveryCode, secretDigest } from '../secret-tokens.js';
import { matchTotp } from '../totp.js';

const RECOVERY_CODES = 10;

/** Turns TOTP on once the user proves the app works; returns one-time recovery codes, shown once. */
export async function confirmTotp(
  deps: AuthDeps,
  principal: Principal,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await deps.store.userById(principal.subject);
  if (user === undefined || user.kind !== 'user')
    throw authErrors.create('AUTH_NOT_A_USER', 'two-factor set-up needs a user session');
  if (user.totpEnabled || user.totpSecret === null)
    throw authErrors.create(
      'AUTH_TOTP_STATE',
      'start two-factor set-up first (POST /api/v1/auth/totp/setup)',
    );
  const step = matchTotp(openSecret(user.totpSecret), code, deps.now());
  if (step === undefined) throw authErrors.create('AUTH_TOTP_INVALID', 'the one-time code does not match');
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await deps.store.enableTotp(user.id, step, recoveryCodes.map(secretDigest));
  return { recoveryCodes };
}
