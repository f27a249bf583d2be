/**
 * `acgs backup keygen | create | restore | prune` (docs/backup.md): encrypted, authenticated
 * archives of the platform's database with the log's size and root in the manifest.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PLATFORM_VERSION } from '../../apps/version.js';
import { PlatformError } from '../../kernel/errors.js';
import { createBackup } from '../../ops/backup-create.js';
import { generateBackupKeyText, loadBackupKey } from '../../ops/backup-key.js';
import { pruneBackups } from '../../ops/backup-prune.js';
import { type RestoreTarget, restoreBackup } from '../../ops/backup-restore.js';
import { redactUrl } from '../../storage/index.js';
import { logDatabaseUrl } from './log.js';
import type { CommandIo } from './policy.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** The refusals a restore exists to make: reported as findings (exit 1), not as usage errors. */
const REFUSALS = new Set([
  'BACKUP_ARCHIVE_TAMPERED',
  'BACKUP_KEY_WRONG',
  'BACKUP_ROOT_MISMATCH',
  'BACKUP_ARCHIVE_MALFORMED',
]);

/** Runs a backup command body; a PlatformError becomes `acgs backup <verb>: CODE: message`. */
async function reported(verb: string, io: CommandIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    io.err(`acgs backup ${verb}: ${error.code}: ${error.message}`);
    return REFUSALS.has(error.code) || error.status >= 500 ? 1 : 2;
  }
}

export interface BackupCreateOptions {
  readonly out: string;
  readonly keyFile?: string;
  readonly json?: boolean;
}

export function runBackupCreate(
  options: BackupCreateOptions,
  io: CommandIo,
  env = process.env,
): Promise<number> {
  return reported('create', io, async () => {
    const key = loadBackupKey(options.keyFile, env);
    const databaseUrl = logDatabaseUrl(env);
    mkdirSync(resolve(options.out), { recursive: true });
    const backup = await createBackup({
      databaseUrl,
      outDir: resolve(options.out),
      key,
      platformVersion: PLATFORM_VERSION,
    });
    const { log } = backup.manifest;
    if (options.json)
      io.out(
        JSON.stringify({
          path: backup.path,
          bytes: backup.bytes,
          seconds: backup.seconds,
          manifest: backup.manifest,
        }),
      );
    else {
      io.out(backup.path);
      io.err(
        `backed up ${redactUrl(databaseUrl)}: log ${log.origin} size ${log.size} root ${log.rootHash}, ${backup.bytes} bytes in ${backup.seconds.toFixed(2)} s (key ${backup.manifest.keyId})`,
      );
    }
    return 0;
  });
}

export interface BackupRestoreOptions {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly keyFile?: string;
}

export function runBackupRestore(
  archive: string,
  options: BackupRestoreOptions,
  io: CommandIo,
  env = process.env,
): Promise<number> {
  return reported('restore', io, async () => {
    if ((options.dataDir === undefined) === (options.databaseUrl === undefined)) {
      io.err(
        'acgs backup restore: give exactly one of --data-dir <new dir> (SQLite) or --database-url <empty postgres database>',
      );
      return 2;
    }
    const key = loadBackupKey(options.keyFile, env);
    const target: RestoreTarget =
      options.dataDir !== undefined
        ? { dialect: 'sqlite', dataDir: options.dataDir }
        : { dialect: 'postgres', url: options.databaseUrl! };
    const restored = await restoreBackup(archive, key, target);
    io.out(
      `restored ${archive} into ${redactUrl(restored.databaseUrl)}: log size ${restored.log.size} root ${restored.log.rootHash} matches the manifest (${restored.seconds.toFixed(2)} s)`,
    );
    return 0;
  });
}

export function runBackupPrune(dir: string, keepDays: number, io: CommandIo): Promise<number> {
  return reported('prune', io, async () => {
    const result = await pruneBackups(dir, keepDays);
    for (const file of result.deleted) io.out(`deleted ${file}`);
    for (const { file, reason } of result.skipped) io.err(`left alone ${file}: ${reason}`);
    io.err(`kept ${result.kept.length}, deleted ${result.deleted.length} (retention ${keepDays} days)`);
    return 0;
  });
}

export function registerBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('encrypted backups of the platform database, restore and retention');
  backup
    .command('keygen')
    .description('print a new AES-256 backup key (base64) for ACGS_BACKUP_KEY_FILE or ACGS_BACKUP_KEY')
    .action(() => processIo.out(generateBackupKeyText()));
  backup
    .command('create')
    .description(
      'snapshot DATABASE_URL (pg_dump) or the data directory (SQLite online backup) into an encrypted archive',
    )
    .option('-o, --out <dir>', 'directory for the archive', process.env.ACGS_BACKUP_DIR ?? './backups')
    .option('--key-file <file>', 'the backup key (default ACGS_BACKUP_KEY_FILE, then ACGS_BACKUP_KEY)')
    .option('--json', 'print the archive path and manifest as JSON')
    .action(async (options: BackupCreateOptions) => {
      process.exitCode = await runBackupCreate(options, processIo);
    });
  backup
    .command('restore <archive>')
    .description(
      'decrypt, authenticate and restore an archive; refuses unless the restored log matches the manifest',
    )
    .option('--data-dir <dir>', 'a new data directory to restore a SQLite archive into')
    .option('--database-url <url>', 'an empty PostgreSQL database to restore a pg_dump archive into')
    .option('--key-file <file>', 'the backup key (default ACGS_BACKUP_KEY_FILE, then ACGS_BACKUP_KEY)')
    .action(async (archive: string, options: BackupRestoreOptions) => {
      process.exitCode = await runBackupRestore(archive, options, processIo);
    });
  backup
    .command('prune <dir>')
    .description('delete archives older than the retention (the newest one is always kept)')
    .option('--keep-days <days>', 'retention in days', '30')
    .action(async (dir: string, options: { keepDays: string }) => {
      const days = Number(options.keepDays);
      if (!Number.isInteger(days) || days < 1) {
        processIo.err(
          `acgs backup prune: --keep-days expects a whole number of days ≥ 1, got ${JSON.stringify(options.keepDays)}`,
        );
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runBackupPrune(dir, days, processIo);
    });
}
