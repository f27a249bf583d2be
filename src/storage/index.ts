/**
 * Storage: the platform's database behind one interface.
 *
 * Construct with `createDatabase(url, options?)`:
 * - `createDatabase('sqlite:./data/acgs.db')` (or a bare path) — embedded mode, SQLite in WAL mode
 *   with every commit fsynced before it resolves (sqlite-wal-sync.ts); opened immediately.
 * - `createDatabase('postgres://user@host:5432/acgs', { poolSize: 20 })` — distributed mode, a `pg`
 *   pool that connects lazily and reconnects by itself.
 * Then each service runs `await database.migrate('<owner>', migrations)` and queries through
 * `database.as<MyTables>()`. `ping()` rejects with `STORAGE_UNAVAILABLE` within `pingTimeoutMs`
 * (default 2 s) when the database does not answer; `close()` ends it.
 */

export { createDatabase, type DatabaseOptions } from './create-database.js';
export type { Database, DatabaseListener, MigrationReport, SqlDialect } from './database.js';
export { migrationTables } from './database-migrator.js';
export { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './database-url.js';
export { storageErrors } from './errors.js';
export { PostgresDatabase, type PostgresDatabaseOptions, postgresTypes } from './postgres-database.js';
export { autoIncrementId, columnTypes, dialectOf, nowMs } from './schema-helpers.js';
export { SqliteDatabase, type SqliteDatabaseOptions } from './sqlite-database.js';
