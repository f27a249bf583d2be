import type { Command } from 'commander';
import { newKeyEncryptionKey } from '../../kit/secret-envelope.js';

/**
 * `acgs kek generate`: prints a new key-encryption key (`<id>:<base64 of 32 bytes>`) for
 * `ACGS_KEK`, which seals the secrets services keep in a shared database (docs/security.md, "Keys").
 * Rotating: put the new entry first in `ACGS_KEK` and keep the old ones, comma-separated.
 */
export function registerKekCommands(program: Command): void {
  const kek = program.command('kek').description('key-encryption keys for secrets at rest');
  kek
    .command('generate')
    .description('print a new key-encryption key for ACGS_KEK')
    .action(() => {
      process.stdout.write(`${newKeyEncryptionKey()}\n`);
    });
}
