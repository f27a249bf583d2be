/**
 * A consistent copy of the platform's database plus the log state inside that same copy:
 * SQLite through its online backup API (the platform may keep writing), PostgreSQL through
 * `pg_dump` of a snapshot exported by a repeatable-read transaction in which the log state is read.
 */

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type Migration, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../storage/database.js';
import { pendingOwnerMigrations } from '../storage/database-migrator.js';
import { createDatabase, postgresTypes } from '../storage/index.js';
import type { ManifestLog } from './backup-archive.js';
import { opsErrors } from './errors.js';
import { readLogState } from './log-state.js';
import { runPostgresTool } from './postgres-tools.js';

export interface Snapshot {
  readonly log: ManifestLog;
  /** When the copy was consistent (the recovery point). */
  readonly takenAt: Date;
}

/** Copies the SQLite database at `source` into `target` while it stays in use. */
export async function snapshotSqlite(source: string, target: string): Promise<Snapshot> {
  let live: BetterSqlite3.Database;
  try {
    live = new BetterSqlite3(source, { fileMustExist: true });
  } catch (cause) {
    throw opsErrors.create('BACKUP_NO_LOG', `there is no SQLite database at ${source}`, { cause });
  }
  let takenAt: Date;
  try {
    live.pragma('busy_timeout = 5000');
    await live.backup(target);
    takenAt = new Date();
  } finally {
    live.close();
  }
  const copy = createDatabase(`sqlite:${target}`);
  try {
    return { log: await readLogState(copy), takenAt };
  } finally {
    await copy.close();
  }
}

/** `pg_dump --format=custom` of `url` into `target`, with the log state of the very same snapshot. */
export async function snapshotPostgres(url: string, target: string): Promise<Snapshot> {
  const client = new pg.Client({
    connectionString: url,
    types: postgresTypes,
    application_name: 'acgs-backup',
  });
  await client.connect();
  const database = singleClientDatabase(client);
  try {
    await client.query('begin isolation level repeatable read read only');
    const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() as id');
    const takenAt = new Date();
    const log = await readLogState(database);
    await runPostgresTool(
      'pg_dump',
      ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${rows[0]!.id}`, `--file=${target}`],
      url,
    );
    await client.query('commit');
    return { log, takenAt };
  } finally {
    await database.close();
    await client.end().catch(() => {});
  }
}

/**
 * A Database over one client, so every query sees the transaction (and snapshot) open on it.
 * Read-only use: migrations are refused.
 */
function singleClientDatabase(client: pg.Client): Database {
  const pool = {
    connect: async () => ({ query: client.query.bind(client), release() {} }),
    end: async () => {},
  };
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
  return {
    dialect: 'postgres',
    db,
    as: <Tables>() => db as unknown as Kysely<Tables>,
    migrate: () => Promise.reject(new Error('a snapshot is read-only')),
    pendingMigrations: (owner: string, migrations: Readonly<Record<string, Migration>>) =>
      pendingOwnerMigrations(db, owner, migrations),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => db.destroy(),
  };
}
