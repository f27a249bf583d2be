import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../../kernel/config.js';
import { openSecret, sealSecret } from '../../kit/secret-envelope.js';
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  type NoteSignerKey,
  parseSignerKey,
} from '../../merkle/index.js';
import { defaultOrigin, type LogSettings } from './log-settings.js';
import type { LogStore } from './log-store.js';

/** The log's identity: its origin and the keys that sign its checkpoints (two during a rotation). */
export interface LogIdentity {
  readonly origin: string;
  readonly signers: readonly NoteSignerKey[];
  /** The signers' verifier keys (vkeys), as served on the public-key route. */
  readonly verifierKeys: readonly string[];
}

/** Where a generated key is kept when ACGS_LOG_SIGNING_KEY is not set. */
export type KeyHome = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'database' };

export const SIGNING_KEY_META = 'signing_key';

/**
 * Settles the log's origin and signing keys. The origin is stored on first start and may not change
 * afterwards. Keys come from ACGS_LOG_SIGNING_KEY when set (production: a secret shared by the
 * replicas); otherwise a key is generated once and kept in the data directory (embedded) or in the
 * database (distributed mode without the variable, so every replica signs with the same key).
 */
export async function loadLogIdentity(
  store: LogStore,
  settings: LogSettings,
  home: KeyHome,
  logger: Logger,
): Promise<LogIdentity> {
  const origin = await store.metaIfAbsent('origin', settings.origin ?? defaultOrigin());
  if (settings.origin !== undefined && settings.origin !== origin) {
    throw new ConfigError([
      `ACGS_LOG_ORIGIN: this log's origin is ${JSON.stringify(origin)} and cannot change (got ${JSON.stringify(settings.origin)})`,
    ]);
  }
  const signers = await signingKeys(store, settings, home, origin, logger);
  const wrongName = signers.filter((key) => key.name !== origin);
  if (wrongName.length > 0) {
    throw new ConfigError([
      `ACGS_LOG_SIGNING_KEY: every key must be named after the log's origin ${JSON.stringify(origin)}`,
    ]);
  }
  return { origin, signers, verifierKeys: signers.map(formatVerifierKey) };
}

async function signingKeys(
  store: LogStore,
  settings: LogSettings,
  home: KeyHome,
  origin: string,
  logger: Logger,
): Promise<NoteSignerKey[]> {
  if (settings.signingKeys.length > 0) {
    try {
      return settings.signingKeys.map(parseSignerKey);
    } catch {
      throw new ConfigError(['ACGS_LOG_SIGNING_KEY: a key is malformed (value not shown)']);
    }
  }
  if (home.kind === 'database') {
    // Sealed with the key-encryption key, as every secret kept in a database (a key stored before
    // sealing existed opens as it is).
    const stored = await store.metaIfAbsent(
      SIGNING_KEY_META,
      sealSecret(formatSignerKey(generateSignerKey(origin))),
    );
    logger.warn(
      'integrity: the log signing key is kept in the database, sealed; ACGS_LOG_SIGNING_KEY from a secret store keeps it out of the database',
    );
    return [parseSignerKey(openSecret(stored))];
  }
  if (!existsSync(home.path)) {
    mkdirSync(dirname(home.path), { recursive: true });
    writeFileSync(home.path, `${formatSignerKey(generateSignerKey(origin))}\n`, { mode: 0o600, flag: 'wx' });
    logger.info({ path: home.path }, 'integrity: generated the log signing key');
  }
  chmodSync(home.path, 0o600);
  const lines = readFileSync(home.path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  try {
    return lines.map(parseSignerKey);
  } catch {
    throw new ConfigError([`${home.path}: a signing key is malformed (value not shown)`]);
  }
}
