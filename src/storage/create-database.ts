import type { Database } from './database.js';
import { parseDatabaseUrl } from './database-url.js';
import { PostgresDatabase, type PostgresDatabaseOptions } from './postgres-database.js';
import { SqliteDatabase, type SqliteDatabaseOptions } from './sqlite-database.js';

export type DatabaseOptions = SqliteDatabaseOptions & PostgresDatabaseOptions;

/**
 * Opens the database a URL names: `postgres://…` → PostgreSQL (pooled, connects lazily);
 * `sqlite:path`, `sqlite:///abs/path`, `sqlite::memory:` or a plain file path → SQLite (opened
 * now, WAL, each commit fsynced before it resolves). Throws `STORAGE_URL_INVALID` for anything else.
 * @example
 * const database = createDatabase('sqlite:./data/acgs.db');
 * await database.migrate('auth', authMigrations);
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const target = parseDatabaseUrl(url);
  return target.dialect === 'postgres'
    ? PostgresDatabase.open(target.connectionString, options)
    : SqliteDatabase.open(target.path, options);
}
