import { join, resolve } from 'node:path';
import { ConfigError, type PlatformConfig } from '../kernel/config.js';
import type { ServiceName } from '../kernel/services.js';
import { envelopeFromEnvironment, useSecretEnvelope } from '../kit/secret-envelope.js';
import { parseDatabaseUrl } from '../storage/database-url.js';

/** The generated key-encryption key of a platform whose database is in its data directory (0600). */
export const KEK_FILE = 'kek.key';

/** The services that keep secrets in their database: signing keys, TOTP secrets, pseudonym keys. */
export const SEALING_SERVICES: readonly ServiceName[] = ['auth', 'pgc', 'integrity'];

const NO_KEK =
  'ACGS_KEK: signing keys, TOTP secrets and pseudonym keys in a shared database are sealed with a ' +
  'key-encryption key: set ACGS_KEK (or ACGS_KEK_FILE) to the same value on every process — ' +
  '`acgs kek generate` prints a new one (docs/security.md, "Keys")';

/**
 * Sets this process's secret envelope (docs/security.md, "Keys"): `ACGS_KEK`, `ACGS_KEK_FILE`, or
 * — when the database is a SQLite file (embedded mode, or a service on its own file) — the data
 * directory's `kek.key`, generated on first use. On PostgreSQL a KEK is required: a service that
 * keeps secrets there does not start without one (exit 2), and any other process that would store
 * one (a CLI command) refuses to, rather than store it unsealed. The platform and the CLI commands
 * that open its database call this, so both seal and open with the same key.
 */
export function setUpSecretEnvelope(
  config: PlatformConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const shared =
    config.mode === 'distributed' &&
    config.databaseUrl !== undefined &&
    parseDatabaseUrl(config.databaseUrl).dialect === 'postgres';
  const envelope = envelopeFromEnvironment(
    env,
    shared ? undefined : join(resolve(config.dataDir), KEK_FILE),
    NO_KEK,
  );
  const sealing = config.services.filter((service) => SEALING_SERVICES.includes(service));
  if (!envelope.sealing && sealing.length > 0)
    throw new ConfigError([`${NO_KEK}; ${sealing.join(', ')} cannot start without it`]);
  useSecretEnvelope(envelope);
}
