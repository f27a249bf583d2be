/** `acgs dr drill`: the disaster-recovery drill with its measured RTO and RPO (docs/backup.md). */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PlatformError } from '../../kernel/errors.js';
import { loadBackupKey } from '../../ops/backup-key.js';
import { formatDrillReport, runDrill } from './dr-drill.js';

interface DrillFlags {
  readonly dataDir: string;
  readonly workDir: string;
  readonly keyFile?: string;
  readonly destroy?: boolean;
  readonly intervalHours: string;
  readonly json?: boolean;
}

export function registerDrCommands(program: Command): void {
  const dr = program.command('dr').description('disaster recovery');
  dr.command('drill')
    .description(
      'back up the data directory, lose it, restore into a new one, start the platform, verify the log against the last signed checkpoint; print RTO and RPO',
    )
    .option(
      '-d, --data-dir <dir>',
      'the embedded platform data directory',
      process.env.ACGS_DATA_DIR ?? './.acgs',
    )
    .option('-w, --work-dir <dir>', 'where the archive and the restored data directory go', './dr-drill')
    .option('--key-file <file>', 'the backup key (default ACGS_BACKUP_KEY_FILE, then ACGS_BACKUP_KEY)')
    .option(
      '--destroy',
      'really delete the source database and key files after the backup (a drill on a copy)',
    )
    .option('--interval-hours <h>', 'the backup schedule, for the worst-case RPO', '6')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DrillFlags) => {
      try {
        const key = loadBackupKey(flags.keyFile);
        mkdirSync(resolve(flags.workDir), { recursive: true });
        const report = await runDrill({
          dataDir: flags.dataDir,
          workDir: flags.workDir,
          key,
          destroy: flags.destroy === true,
          intervalHours: Number(flags.intervalHours),
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else process.stdout.write(`${formatDrillReport(report).join('\n')}\n`);
      } catch (error) {
        if (!(error instanceof PlatformError)) throw error;
        process.stderr.write(`acgs dr drill: ${error.code}: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
