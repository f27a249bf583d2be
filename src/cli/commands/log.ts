/**
 * `acgs log export <file>`, `acgs log verify <file> --key <vkey|file>` and `acgs log prove
 * <decision.json>` (docs/integrity.md). Export reads the log's database directly (DATABASE_URL, or
 * the SQLite file in ACGS_DATA_DIR); verify runs offline on the file alone; prove asks a running
 * platform and checks its answers.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { defaultDatabaseUrl } from '../../apps/adapters.js';
import { loadConfig } from '../../kernel/config.js';
import { formatSignerKey, formatVerifierKey, generateSignerKey, isValidKeyName } from '../../merkle/index.js';
import { createLogStore } from '../../services/integrity/sql-log-store.js';
import { integrityMigrations } from '../../services/integrity/store.js';
import { exportLog } from '../../services/integrity/usecases/export-log.js';
import { createDatabase, redactUrl } from '../../storage/index.js';
import { type ProveOptions, runLogProve } from './log-prove.js';
import { runLogVerify, type VerifyOptions } from './log-verify.js';
import { requireExistingDatabase } from './platform-database.js';
import type { CommandIo } from './policy.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** The database the log lives in, as `acgs serve integrity` / `acgs up` would open it. */
export function logDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig({ mode: 'distributed', service: 'integrity' }, env);
  return config.databaseUrl ?? defaultDatabaseUrl({ ...config, mode: 'embedded' });
}

/** Runs `log export`; returns the exit code (1 when the store disagrees with itself). */
export async function runLogExport(
  file: string,
  url: string,
  io: CommandIo,
  options: { readonly storedHashes?: boolean } = {},
): Promise<number> {
  try {
    requireExistingDatabase(url, 'acgs log export');
  } catch (error) {
    io.err((error as Error).message.replace(/^invalid configuration:\n\s*/, ''));
    return 2;
  }
  const database = createDatabase(url);
  try {
    const pending = await database.pendingMigrations('integrity', integrityMigrations);
    if (pending.length > 0) {
      io.err(
        `acgs log export: ${redactUrl(url)} holds no log (migrations ${pending.join(', ')} not applied)`,
      );
      return 2;
    }
    const out = createWriteStream(file);
    const write = async (chunk: string) => {
      if (!out.write(chunk)) await once(out, 'drain');
    };
    const started = performance.now();
    const summary = await exportLog(createLogStore(database), write, options);
    out.end();
    await once(out, 'finish');
    const seconds = (performance.now() - started) / 1000;
    io.err(
      `exported ${summary.entries} entries and ${summary.checkpoints} checkpoints of ${summary.origin} to ${file} (${seconds.toFixed(2)} s)`,
    );
    if (summary.problems.length === 0) return 0;
    io.err(
      `the stored log disagrees with itself at ${summary.problems.length} place(s); first bad entry index ${summary.problems[0]!.index}:`,
    );
    for (const problem of summary.problems.slice(0, 20)) io.err(`  ${problem.message}`);
    return 1;
  } finally {
    await database.close();
  }
}

export function registerLogCommands(program: Command): void {
  const log = program.command('log').description('export and verify the tamper-evident log');
  log
    .command('export <file>')
    .description(
      'write the log (entries and signed checkpoints, NDJSON, docs/log-format.md) to <file>, reading DATABASE_URL or the data directory',
    )
    .option(
      '--no-stored-hashes',
      'leave out the stored leaf and node hashes (smaller; verify then names only a range)',
    )
    .action(async (file: string, options: { storedHashes: boolean }) => {
      process.exitCode = await runLogExport(file, logDatabaseUrl(), processIo, options);
    });
  log
    .command('keygen')
    .description(
      'print a new Ed25519 signing key for ACGS_LOG_SIGNING_KEY (secret) and its verifier key (public); to rotate, set both old and new keys, then drop the old one',
    )
    .requiredOption('--origin <origin>', 'the log origin the key signs for (its key name)')
    .action((options: { origin: string }) => {
      if (!isValidKeyName(options.origin)) {
        processIo.err(`acgs log keygen: ${JSON.stringify(options.origin)} is not a valid log origin`);
        process.exitCode = 2;
        return;
      }
      const key = generateSignerKey(options.origin);
      processIo.out(`ACGS_LOG_SIGNING_KEY=${formatSignerKey(key)}`);
      processIo.out(`# verifier key (public): ${formatVerifierKey(key)}`);
    });
  log
    .command('verify <file>')
    .description(
      'verify an export offline: recompute the tree, check every checkpoint, name the first bad entry',
    )
    .option(
      '-k, --key <vkey|file...>',
      'trusted verifier key(s): a vkey, a file of vkeys, or the public-key JSON',
    )
    .option('--origin <origin>', 'the expected log origin (default: the export header’s)')
    .option('--stored-hashes', 'also check every hash the log stored (leafHash, nodes) against the entries')
    .option(
      '--threads <n>',
      'worker threads for the per-entry work (default: one fewer than the cores, at most 4; 0: none; small files use none)',
    )
    .option('--json', 'print the full report as JSON')
    .action(async (file: string, options: VerifyOptions) => {
      process.exitCode = await runLogVerify(file, options, processIo);
    });
  log
    .command('prove <decision-or-leaf-hash>')
    .description(
      'check one logged decision on a running platform: its receipt (a saved answer of POST /api/v1/decisions, or a leaf hash) against the signed checkpoint, through an inclusion proof verified here',
    )
    .option('--index <n>', 'the entry index, when giving a bare leaf hash (else found by the hash)')
    .option('--decision <id>', 'the decision id the entry must hold (read from the answer file by default)')
    .option('-k, --key <vkey|file...>', 'trusted log key(s) (default: the key the platform publishes)')
    .option('--url <url>', 'the platform (default ACGS_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'a log reader’s bearer token or API key (default ACGS_TOKEN)')
    .action(async (argument: string, options: ProveOptions) => {
      process.exitCode = await runLogProve(argument, options, processIo);
    });
}
