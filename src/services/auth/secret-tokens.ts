import { createHash, randomBytes, randomInt } from 'node:crypto';

/** SHA-256 hex of a high-entropy secret (refresh tokens, API-key secrets, recovery codes). */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newRefreshToken(): string {
  return `rt_${randomBytes(32).toString('base64url')}`;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** `acgs_<prefix>_<secret>`: the prefix finds the record, the secret's digest proves the key. */
export function newApiKey(): { key: string; prefix: string; secret: string } {
  const prefix = randomAlphanumeric(12);
  const secret = randomBytes(32).toString('base64url');
  return { key: `acgs_${prefix}_${secret}`, prefix, secret };
}

/** A recovery code such as `k3jd-9x2m-p0qa` (60 bits). */
export function newRecoveryCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const chars = Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

/** Generated admin passwords: 24 base64url characters (144 bits). */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}
