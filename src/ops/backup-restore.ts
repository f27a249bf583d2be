/**
 * `acgs backup restore`: decrypts and authenticates an archive, restores it into an empty target
 * (a new data directory, or an empty PostgreSQL database) and finishes only when the restored log
 * has the manifest's size and root and holds its signed checkpoint (docs/backup.md).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { createDatabase } from '../storage/index.js';
import { type BackupManifest, extractArchive, type ManifestLog, readManifest } from './backup-archive.js';
import type { BackupKey } from './backup-key.js';
import { opsErrors } from './errors.js';
import { checkRestoredLog } from './log-state.js';
import { runPostgresTool } from './postgres-tools.js';

export type RestoreTarget =
  | { readonly dialect: 'sqlite'; readonly dataDir: string }
  | { readonly dialect: 'postgres'; readonly url: string };

export interface RestoredBackup {
  readonly manifest: BackupManifest;
  /** The restored log as read back (equal to the manifest's, or the restore would have failed). */
  readonly log: ManifestLog;
  /** The SQLite database URL, or the PostgreSQL URL, now holding the restored data. */
  readonly databaseUrl: string;
  readonly seconds: number;
}

export async function restoreBackup(
  archive: string,
  key: BackupKey,
  target: RestoreTarget,
): Promise<RestoredBackup> {
  const started = performance.now();
  const { manifest } = await readManifest(archive);
  if (manifest.dialect !== target.dialect) {
    throw opsErrors.create(
      'BACKUP_DIALECT_MISMATCH',
      `${archive} holds a ${manifest.dialect} database; the target is ${target.dialect}`,
    );
  }
  const restored =
    target.dialect === 'sqlite'
      ? await restoreSqlite(archive, key, manifest, resolve(target.dataDir))
      : await restorePostgres(archive, key, target.url);
  return { ...restored, manifest, seconds: (performance.now() - started) / 1000 };
}

async function restoreSqlite(archive: string, key: BackupKey, manifest: BackupManifest, dataDir: string) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const taken = manifest.files.filter((file) => existsSync(join(dataDir, file.name)));
  if (taken.length > 0) {
    throw opsErrors.create(
      'BACKUP_TARGET_NOT_EMPTY',
      `${dataDir} already holds ${taken.map((file) => file.name).join(', ')}; restore into a new data directory`,
    );
  }
  const { files } = await extractArchive(archive, key, dataDir);
  const database = manifest.source;
  const staged = files.get(database);
  try {
    if (staged === undefined) {
      throw opsErrors.create('BACKUP_ARCHIVE_MALFORMED', `${archive} lists no ${database}`);
    }
    const opened = createDatabase(`sqlite:${staged}`);
    let log: ManifestLog;
    try {
      log = await checkRestoredLog(opened, manifest.log);
    } finally {
      await opened.close();
    }
    await rm(`${staged}-wal`, { force: true });
    await rm(`${staged}-shm`, { force: true });
    for (const [name, path] of files) await rename(path, join(dataDir, name));
    return { log, databaseUrl: `sqlite:${join(dataDir, database)}` };
  } catch (error) {
    for (const path of files.values()) {
      await rm(path, { force: true });
      await rm(`${path}-wal`, { force: true });
      await rm(`${path}-shm`, { force: true });
    }
    throw error;
  }
}

async function restorePostgres(archive: string, key: BackupKey, url: string) {
  await assertEmptyPostgres(url);
  const work = await mkdtemp(join(tmpdir(), 'acgs-restore-'));
  try {
    const { files } = await extractArchive(archive, key, work);
    const dump = files.get('database.pgdump');
    if (dump === undefined)
      throw opsErrors.create('BACKUP_ARCHIVE_MALFORMED', `${archive} holds no database.pgdump`);
    const { manifest } = await readManifest(archive);
    try {
      await runPostgresTool(
        'pg_restore',
        ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', dump],
        url,
      );
      const database = createDatabase(url, { poolSize: 2 });
      try {
        return { log: await checkRestoredLog(database, manifest.log), databaseUrl: url };
      } finally {
        await database.close();
      }
    } catch (error) {
      await emptyPostgres(url);
      throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'acgs-restore' });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function assertEmptyPostgres(url: string): Promise<void> {
  const tables = await withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from information_schema.tables where table_schema = 'public'",
    );
    return Number(rows[0]!.n);
  });
  if (tables > 0) {
    throw opsErrors.create(
      'BACKUP_TARGET_NOT_EMPTY',
      `the target database holds ${tables} tables; restore into an empty database`,
    );
  }
}

/** Undoes a refused restore: the target was empty before, so it is emptied again. */
async function emptyPostgres(url: string): Promise<void> {
  await withClient(url, (client) => client.query('drop schema public cascade; create schema public'));
}
