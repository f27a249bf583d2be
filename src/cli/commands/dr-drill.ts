/**
 * The disaster-recovery drill (docs/backup.md): back up an embedded platform's data directory,
 * lose it, restore into a new data directory, start the platform there, export its log and verify
 * it against the last signed checkpoint with the keys the backup recorded, and measure the recovery
 * time (RTO: from the loss to a serving platform whose log verified) and recovery point (RPO: the
 * time and entries between the backup's snapshot and the loss).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { defaultDatabaseUrl } from '../../apps/adapters.js';
import { startPlatform } from '../../apps/platform.js';
import { KEK_FILE } from '../../apps/secret-setup.js';
import { PLATFORM_VERSION } from '../../apps/version.js';
import { loadConfig } from '../../kernel/config.js';
import { parseVerifierKey } from '../../merkle/index.js';
import { type CreatedBackup, createBackup } from '../../ops/backup-create.js';
import type { BackupKey } from '../../ops/backup-key.js';
import { restoreBackup } from '../../ops/backup-restore.js';
import { opsErrors } from '../../ops/errors.js';
import { SIGNING_KEY_FILE } from '../../services/integrity/service.js';
import { createLogStore } from '../../services/integrity/sql-log-store.js';
import { exportLog } from '../../services/integrity/usecases/export-log.js';
import { createDatabase, parseDatabaseUrl } from '../../storage/index.js';
import { verifyExportFile } from './log-verify.js';

export interface DrillOptions {
  /** The embedded platform's data directory (its SQLite file and key files). */
  readonly dataDir: string;
  /** Where the archive, the restored data directory and the export go. */
  readonly workDir: string;
  readonly key: BackupKey;
  /** Really delete the source database and key files (the loss); otherwise they are only left unused. */
  readonly destroy: boolean;
  /** Backup interval of the schedule, for the worst-case RPO (hours). */
  readonly intervalHours: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface DrillReport {
  readonly archive: string;
  readonly archiveBytes: number;
  readonly backupSeconds: number;
  readonly snapshotAt: string;
  readonly backupLogSize: number;
  readonly backupRoot: string;
  readonly lossAt: string;
  readonly sourceDestroyed: boolean;
  /** Entries the source log held at the loss that the backup does not. */
  readonly entriesLost: number;
  readonly rpoSeconds: number;
  readonly worstCaseRpoHours: number;
  readonly restoredDataDir: string;
  readonly restoreSeconds: number;
  readonly startSeconds: number;
  readonly verifySeconds: number;
  readonly verifiedEntries: number;
  readonly verifiedSize: number;
  readonly verifiedRoot: string;
  readonly rtoSeconds: number;
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const env = { ...(options.env ?? process.env), ACGS_DATA_DIR: resolve(options.dataDir) };
  const sourceConfig = loadConfig({ mode: 'embedded' }, { ...env, DATABASE_URL: '' });
  const sourceUrl = defaultDatabaseUrl(sourceConfig);
  const workDir = resolve(options.workDir);

  // 1. The scheduled backup.
  const backup: CreatedBackup = await createBackup({
    databaseUrl: sourceUrl,
    outDir: workDir,
    key: options.key,
    platformVersion: PLATFORM_VERSION,
  });

  // 2. The loss: what the source held at that moment is what a real failure would take with it.
  const lossAt = new Date();
  const lossClock = performance.now();
  const sourceSize = await logSize(sourceUrl);
  // The embedded key-encryption key is key material, not data: an operator keeps it apart from
  // the backups (in production it comes from ACGS_KEK / ACGS_KEK_FILE); the drill carries it over.
  const kekPath = join(resolve(options.dataDir), KEK_FILE);
  const kek = await readFile(kekPath).catch(() => undefined);
  if (options.destroy) {
    const path = (parseDatabaseUrl(sourceUrl) as { path: string }).path;
    for (const file of [
      path,
      `${path}-wal`,
      `${path}-shm`,
      join(resolve(options.dataDir), SIGNING_KEY_FILE),
      kekPath,
    ]) {
      await rm(file, { force: true });
    }
  }

  // 3. Restore into a new data directory; refuses unless the log matches the manifest.
  const restoredDataDir = join(workDir, `restored-${lossAt.getTime()}`);
  let mark = performance.now();
  await restoreBackup(backup.path, options.key, { dialect: 'sqlite', dataDir: restoredDataDir });
  if (kek !== undefined) await writeFile(join(restoredDataDir, KEK_FILE), kek, { mode: 0o600 });
  const restoreSeconds = since(mark);

  // 4. Start the platform on it and wait until it is ready.
  mark = performance.now();
  const port = await freePort();
  const config = loadConfig(
    { mode: 'embedded' },
    {
      ...env,
      ACGS_DATA_DIR: restoredDataDir,
      ACGS_PORT: String(port),
      ACGS_HOST: '127.0.0.1',
      DATABASE_URL: '',
      REDIS_URL: '',
      NATS_URL: '',
    },
  );
  const platform = await startPlatform(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    await waitReady(`${platform.url}/health/ready`);
    const startSeconds = since(mark);

    // 5. Export the running platform's log and verify it against the last signed checkpoint, with the
    //    keys recorded in the backup (the restored platform must sign with one of them).
    mark = performance.now();
    const published = (await (await fetch(`${platform.url}/api/v1/log/public-key`)).json()) as {
      keys: string[];
    };
    const trusted = backup.manifest.log.verifierKeys;
    const foreign = published.keys.filter((vkey) => !trusted.includes(vkey));
    if (foreign.length > 0) {
      throw opsErrors.create(
        'DR_DRILL_FAILED',
        `the restored platform signs with a key the backup did not record: ${foreign.join(', ')}`,
      );
    }
    const exportFile = join(workDir, `restored-${lossAt.getTime()}.log.ndjson`);
    await exportTo(config, exportFile);
    const { report } = await verifyExportFile(exportFile, trusted.map(parseVerifierKey), {
      origin: backup.manifest.log.origin,
    });
    const signed = backup.manifest.log.checkpoint?.size ?? 0;
    if (!report.ok || report.verifiedSize < Math.max(signed, backup.manifest.log.size)) {
      throw opsErrors.create(
        'DR_DRILL_FAILED',
        `the restored log did not verify: verified ${report.verifiedSize} of ${report.entries} entries; issues: ${JSON.stringify(report.issues.slice(0, 5))}`,
      );
    }
    const verifySeconds = since(mark);
    const rtoSeconds = since(lossClock);
    await rm(exportFile, { force: true });
    return {
      archive: backup.path,
      archiveBytes: backup.bytes,
      backupSeconds: backup.seconds,
      snapshotAt: backup.manifest.snapshotAt,
      backupLogSize: backup.manifest.log.size,
      backupRoot: backup.manifest.log.rootHash,
      lossAt: lossAt.toISOString(),
      sourceDestroyed: options.destroy,
      entriesLost: sourceSize - backup.manifest.log.size,
      rpoSeconds: (lossAt.getTime() - Date.parse(backup.manifest.snapshotAt)) / 1000,
      worstCaseRpoHours: options.intervalHours,
      restoredDataDir,
      restoreSeconds,
      startSeconds,
      verifySeconds,
      verifiedEntries: report.entries,
      verifiedSize: report.verifiedSize,
      verifiedRoot: report.verifiedRoot ?? '',
      rtoSeconds,
    };
  } finally {
    await platform.stop();
  }
}

/** The drill's report as an operator reads it. */
export function formatDrillReport(report: DrillReport): string[] {
  const s = (seconds: number) => `${seconds.toFixed(2)} s`;
  return [
    'disaster-recovery drill (embedded, SQLite)',
    `  backup    ${report.archive} (${report.archiveBytes} bytes, ${s(report.backupSeconds)}): snapshot ${report.snapshotAt}, log size ${report.backupLogSize}, root ${report.backupRoot}`,
    `  loss      ${report.lossAt}: source ${report.sourceDestroyed ? 'deleted' : 'left in place, unused (no --destroy)'}; ${report.entriesLost} entries after the snapshot lost`,
    `  restore   ${s(report.restoreSeconds)} into ${report.restoredDataDir}: log root matches the manifest`,
    `  start     ${s(report.startSeconds)} to /health/ready`,
    `  verify    ${s(report.verifySeconds)}: ${report.verifiedEntries} entries exported and verified against the last signed checkpoint (size ${report.verifiedSize}, root ${report.verifiedRoot})`,
    `RTO ${s(report.rtoSeconds)} (loss to a serving platform whose log verified; target < 4 h)`,
    `RPO ${s(report.rpoSeconds)} and ${report.entriesLost} entries in this drill; with a backup every ${report.worstCaseRpoHours} h the worst case is ${report.worstCaseRpoHours} h of data (target < 1 h)`,
  ];
}

async function logSize(url: string): Promise<number> {
  const database = createDatabase(url);
  try {
    return await createLogStore(database).size();
  } finally {
    await database.close();
  }
}

async function exportTo(config: ReturnType<typeof loadConfig>, file: string): Promise<void> {
  const database = createDatabase(defaultDatabaseUrl(config));
  const out = createWriteStream(file);
  try {
    await exportLog(createLogStore(database), async (chunk) => {
      if (!out.write(chunk)) await once(out, 'drain');
    });
  } finally {
    out.end();
    await once(out, 'finish');
    await database.close();
  }
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw opsErrors.create('DR_DRILL_FAILED', `${url} did not become ready within 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function since(mark: number): number {
  return (performance.now() - mark) / 1000;
}
