import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt at the OWASP-recommended parameters (N = 2^17, r = 8, p = 1):
 * about 128 MiB and a few hundred milliseconds per hash. Stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>` so parameters can rise later.
 */
export const SCRYPT_PARAMETERS = { logN: 17, r: 8, p: 1, keyLength: 32 } as const;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number, length: number) {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const { logN, r, p, keyLength } = SCRYPT_PARAMETERS;
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN, r, p, keyLength);
  return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check of a password against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![logN, r, p].every(Number.isSafeInteger) || logN < 10 || logN > 22) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length < 16) return false;
  const actual = await derive(password, salt, logN, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A hash of a random password, checked against for unknown users so timing reveals nothing. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64url'));
  return decoy;
}
