/**
 * `acgs backup create`: a consistent snapshot of the platform's database, encrypted into one
 * authenticated archive with a manifest naming the log's size and root (docs/backup.md).
 */
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseDatabaseUrl, redactUrl } from '../storage/index.js';
import {
  ARCHIVE_FORMAT,
  type BackupManifest,
  describeFile,
  type PayloadSource,
  writeArchive,
} from './backup-archive.js';
import type { BackupKey } from './backup-key.js';
import { type Snapshot, snapshotPostgres, snapshotSqlite } from './database-snapshot.js';

/** Archives are named after their creation time, so names sort by age. */
export const ARCHIVE_SUFFIX = '.acgsbak';

export interface CreateBackupOptions {
  /** The platform's database: a postgres:// URL or a sqlite: URL / path. */
  readonly databaseUrl: string;
  /** Directory the archive is written to. */
  readonly outDir: string;
  readonly key: BackupKey;
  readonly platformVersion: string;
  readonly now?: () => Date;
}

export interface CreatedBackup {
  readonly path: string;
  readonly manifest: BackupManifest;
  readonly bytes: number;
  readonly seconds: number;
}

/** The archive name for a creation time: `acgs-backup-20261207T101500123Z.acgsbak`. */
export function archiveName(createdAt: Date): string {
  return `acgs-backup-${createdAt.toISOString().replace(/[-:]/g, '').replace('.', '')}${ARCHIVE_SUFFIX}`;
}

/**
 * Takes the snapshot, writes `<name>.partial` and renames it into place once complete, so a
 * half-written archive never looks like a backup. On SQLite the data directory's key files
 * (`*.key`: the generated log signing key) go into the archive too.
 */
export async function createBackup(options: CreateBackupOptions): Promise<CreatedBackup> {
  const started = performance.now();
  const target = parseDatabaseUrl(options.databaseUrl);
  const work = await mkdtemp(join(options.outDir, '.acgs-backup-'));
  try {
    let snapshot: Snapshot;
    const sources: PayloadSource[] = [];
    let source: string;
    if (target.dialect === 'sqlite') {
      const name = basename(target.path);
      const copy = join(work, name);
      snapshot = await snapshotSqlite(target.path, copy);
      sources.push({ name, path: copy });
      for (const file of await keyFiles(dirname(target.path))) sources.push(file);
      source = name;
    } else {
      const dump = join(work, 'database.pgdump');
      snapshot = await snapshotPostgres(target.connectionString, dump);
      sources.push({ name: 'database.pgdump', path: dump });
      source = redactUrl(options.databaseUrl);
    }
    const createdAt = (options.now ?? (() => new Date()))();
    const manifest: BackupManifest = {
      format: ARCHIVE_FORMAT,
      createdAt: createdAt.toISOString(),
      snapshotAt: snapshot.takenAt.toISOString(),
      platformVersion: options.platformVersion,
      keyId: options.key.id,
      dialect: target.dialect,
      source,
      log: snapshot.log,
      files: await Promise.all(sources.map((file) => describeFile(file.name, file.path))),
    };
    const path = join(options.outDir, archiveName(createdAt));
    await writeArchive(`${path}.partial`, manifest, options.key, sources);
    await rename(`${path}.partial`, path);
    return {
      path,
      manifest,
      bytes: (await stat(path)).size,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function keyFiles(dir: string): Promise<PayloadSource[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /^[\w.-]+\.key$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  return names.map((name) => ({ name, path: join(dir, name) }));
}
