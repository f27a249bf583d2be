/**
 * The disaster-recovery drill at scale (issue 16, done-when 5): an embedded data directory whose
 * log holds --entries entries (default 100,000, built through the real sequencer), then
 * `acgs dr drill --destroy` in a fresh process: online backup, loss, restore into a new data
 * directory, platform start, export and verification against the last signed checkpoint.
 * Target: the drill (backup to verified) under 5 minutes. Baseline in the same run: copying the
 * database file (the least any restore can cost), reported as a ratio.
 * Usage: node dist/bench/dr-drill.bench.js [--entries 100000]
 * Writes bench/results/dr-drill.json; exits 1 when the target is missed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DrillReport } from '../src/cli/commands/dr-drill.js';
import { systemClock } from '../src/kernel/clock.js';
import { encodeLogEntry } from '../src/merkle/index.js';
import { generateBackupKeyText } from '../src/ops/backup-key.js';
import { createLogMetrics } from '../src/services/integrity/log-metrics.js';
import { LogSequencer } from '../src/services/integrity/log-sequencer.js';
import { loadLogSettings } from '../src/services/integrity/log-settings.js';
import { SingleProcessLease } from '../src/services/integrity/sequencer-lease.js';
import { SIGNING_KEY_FILE } from '../src/services/integrity/service.js';
import { loadLogIdentity } from '../src/services/integrity/signing-keys.js';
import { createLogStore } from '../src/services/integrity/sql-log-store.js';
import { integrityMigrations } from '../src/services/integrity/store.js';
import { createDatabase } from '../src/storage/index.js';
import { flag, writeReport } from './support/bench-helpers.js';

const ENTRIES = flag('entries', 100_000);
const TARGET_SECONDS = 300;
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const logger = pino({ level: 'warn' });

/** Builds the log in `<dataDir>/acgs.db` as the embedded platform keeps it (key file beside it). */
async function buildLog(dataDir: string): Promise<number> {
  mkdirSync(dataDir, { recursive: true });
  const database = createDatabase(`sqlite:${join(dataDir, 'acgs.db')}`);
  try {
    await database.migrate('integrity', integrityMigrations);
    const store = createLogStore(database);
    const settings = loadLogSettings(process.env);
    const identity = await loadLogIdentity(
      store,
      settings,
      { kind: 'file', path: join(dataDir, SIGNING_KEY_FILE) },
      logger,
    );
    const sequencer = new LogSequencer(
      store,
      new SingleProcessLease(),
      identity,
      { ...settings, maxBatch: 20_000, maxQueue: 1_000_000, checkpointIntervalMs: 1000, handOff: false },
      systemClock,
      logger,
      createLogMetrics(new Registry()),
    );
    await sequencer.start();
    const started = performance.now();
    for (let done = 0; done < ENTRIES; ) {
      const burst = Math.min(20_000, ENTRIES - done);
      await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          sequencer.append(
            encodeLogEntry({
              type: 'policy.decision',
              time: new Date().toISOString(),
              source: 'pgc',
              payload: {
                decisions: [
                  {
                    decision: (done + i) % 5 === 0 ? 'deny' : 'allow',
                    principal: `agent-${(done + i) % 97}`,
                    policies: ['no-pii-email'],
                  },
                ],
                n: done + i,
              },
            }),
            null,
          ),
        ),
      );
      done += burst;
    }
    await sequencer.stop();
    return (performance.now() - started) / 1000;
  } finally {
    await database.close();
  }
}

const root = mkdtempSync(join(tmpdir(), 'acgs-bench-dr-'));
try {
  const dataDir = join(root, 'data');
  const buildSeconds = await buildLog(dataDir);
  const dbBytes = statSync(join(dataDir, 'acgs.db')).size;

  const copyStarted = performance.now();
  copyFileSync(join(dataDir, 'acgs.db'), join(root, 'copy.db'));
  const copySeconds = (performance.now() - copyStarted) / 1000;
  rmSync(join(root, 'copy.db'));

  const keyFile = join(root, 'backup.key');
  writeFileSync(keyFile, generateBackupKeyText(), { mode: 0o600 });
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      CLI,
      'dr',
      'drill',
      '--data-dir',
      dataDir,
      '--work-dir',
      join(root, 'work'),
      '--key-file',
      keyFile,
      '--destroy',
      '--json',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', NATS_URL: '', LOG_LEVEL: 'warn' },
      timeout: 15 * 60_000,
    },
  );
  const wallSeconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`acgs dr drill exited ${run.status}:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as DrillReport;
  const pass = wallSeconds < TARGET_SECONDS && report.backupLogSize >= ENTRIES;
  const rows = [
    {
      name: `log built through the sequencer (${ENTRIES} entries, ${(dbBytes / 2 ** 20).toFixed(1)} MiB database)`,
      value: Number(buildSeconds.toFixed(2)),
      unit: 's',
    },
    {
      name: 'drill, whole command in a fresh process (backup, loss, restore, start, export, verify)',
      value: Number(wallSeconds.toFixed(2)),
      unit: 's',
      target: `< ${TARGET_SECONDS}`,
      pass,
    },
    {
      name: '  backup (online SQLite backup + AES-256-GCM archive)',
      value: Number(report.backupSeconds.toFixed(2)),
      unit: 's',
    },
    {
      name: '  restore (decrypt, authenticate, root check)',
      value: Number(report.restoreSeconds.toFixed(2)),
      unit: 's',
    },
    { name: '  platform start to /health/ready', value: Number(report.startSeconds.toFixed(2)), unit: 's' },
    {
      name: '  export + verify against the last signed checkpoint',
      value: Number(report.verifySeconds.toFixed(2)),
      unit: 's',
    },
    {
      name: 'RTO (loss to a serving platform whose log verified)',
      value: Number(report.rtoSeconds.toFixed(2)),
      unit: 's',
      target: '< 14400',
    },
    { name: 'RPO of this drill (snapshot to loss)', value: Number(report.rpoSeconds.toFixed(3)), unit: 's' },
    { name: 'entries lost in this drill', value: report.entriesLost, unit: 'entries' },
    {
      name: 'baseline in the same run: copying the database file',
      value: Number(copySeconds.toFixed(3)),
      unit: 's',
    },
    { name: '  RTO / file copy', value: Number((report.rtoSeconds / copySeconds).toFixed(1)), unit: 'ratio' },
  ];
  for (const row of rows)
    process.stdout.write(
      `${row.name}: ${row.value} ${row.unit}${row.target ? ` (target ${row.target})` : ''}\n`,
    );
  const path = writeReport('dr-drill', {
    entries: ENTRIES,
    verifiedEntries: report.verifiedEntries,
    rows,
    measuredAt: new Date().toISOString(),
  });
  process.stdout.write(`wrote ${path}\n`);
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
