import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { PlatformConfig } from '../kernel/config.js';
import { envelopeFromEnvironment, useSecretEnvelope } from '../kit/secret-envelope.js';

/** The generated key-encryption key of an embedded platform, in its data directory (0600). */
export const KEK_FILE = 'kek.key';

/**
 * Sets this process's secret envelope (docs/security.md, "Keys"): `ACGS_KEK`, `ACGS_KEK_FILE`, or
 * in embedded mode the data directory's `kek.key` (generated on first use). The platform and the
 * CLI commands that open its database call it, so both seal and open with the same key.
 */
export function setUpSecretEnvelope(
  config: PlatformConfig,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const envelope = envelopeFromEnvironment(
    env,
    config.mode === 'embedded' ? join(resolve(config.dataDir), KEK_FILE) : undefined,
  );
  if (!envelope.sealing)
    logger.warn(
      'no key-encryption key (ACGS_KEK or ACGS_KEK_FILE): signing keys and TOTP secrets are stored unsealed',
    );
  useSecretEnvelope(envelope);
}
