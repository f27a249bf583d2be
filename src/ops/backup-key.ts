/**
 * The backup key: 32 random bytes (AES-256), given as base64 or hex in `ACGS_BACKUP_KEY`, or in a
 * file named by `ACGS_BACKUP_KEY_FILE` / `--key-file` (a Kubernetes secret mounted as a file).
 * The key never leaves this module in clear; archives name it only by a key id, an HMAC of the
 * key, so a wrong key is told apart from a modified archive without revealing anything.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { opsErrors } from './errors.js';

export interface BackupKey {
  /** The raw AES-256 key. */
  readonly bytes: Buffer;
  /** 16 hex digits naming the key in manifests (HMAC-SHA-256 of a fixed label under the key). */
  readonly id: string;
}

/** A fresh key, base64, for `acgs backup keygen`. */
export function generateBackupKeyText(): string {
  return randomBytes(32).toString('base64');
}

/** Parses a key text (base64 or hex of exactly 32 bytes, surrounding whitespace ignored). */
export function parseBackupKey(text: string, origin: string): BackupKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes?.length !== 32) {
    throw opsErrors.create(
      'BACKUP_KEY_INVALID',
      `${origin}: expected 32 bytes as base64 (44 characters) or hex (64 digits); generate one with \`acgs backup keygen\``,
    );
  }
  return { bytes, id: createHmac('sha256', bytes).update('acgs-backup-key-id').digest('hex').slice(0, 16) };
}

/** The key from `--key-file`, else `ACGS_BACKUP_KEY_FILE`, else `ACGS_BACKUP_KEY`. */
export function loadBackupKey(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): BackupKey {
  const file = keyFile ?? nonEmpty(env.ACGS_BACKUP_KEY_FILE);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw opsErrors.create('BACKUP_KEY_MISSING', `cannot read the backup key file ${file}`, { cause });
    }
    return parseBackupKey(text, file);
  }
  const value = nonEmpty(env.ACGS_BACKUP_KEY);
  if (value !== undefined) return parseBackupKey(value, 'ACGS_BACKUP_KEY');
  throw opsErrors.create(
    'BACKUP_KEY_MISSING',
    'set ACGS_BACKUP_KEY_FILE (or ACGS_BACKUP_KEY, or --key-file) to a key from `acgs backup keygen`',
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
