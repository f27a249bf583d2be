import { Kysely } from 'kysely';
import pg from 'pg';
import type { DatabaseListener } from './database.js';
import { KyselyDatabase } from './kysely-database.js';
import { PostgresListener } from './postgres-listener.js';
import { guardPool, OutagePostgresDialect } from './postgres-outage-dialect.js';

export interface PostgresDatabaseOptions {
  /** Most connections the pool opens (default 10). */
  readonly poolSize?: number;
  /** How long to wait for a new connection before failing (ms, default 2000). */
  readonly connectTimeoutMs?: number;
  /** How long `ping()` may take before it rejects (ms, default 2000). */
  readonly pingTimeoutMs?: number;
  /** Shown in `pg_stat_activity` (default `acgs`). */
  readonly applicationName?: string;
}

const INT8_OID = 20;

/**
 * `bigint` columns and `count(*)` come back as JS numbers, as they do from SQLite, so service
 * code is the same on both dialects. Values beyond 2^53 are not supported by either.
 */
export const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/**
 * The distributed-mode database: PostgreSQL through a `pg` pool. Creating it opens no connection;
 * the pool connects on first use and reconnects by itself after the server comes back (backing
 * off up to 1 s while it stays away). An outage never ends the process: `ping()` rejects within
 * `pingTimeoutMs`, and a query that meets a lost connection or an unreachable server rejects with
 * `STORAGE_UNAVAILABLE` (503, `Retry-After: 1`), whether its client was idle or checked out.
 */
export class PostgresDatabase extends KyselyDatabase {
  readonly dialect = 'postgres' as const;

  private constructor(
    db: Kysely<unknown>,
    pingTimeoutMs: number,
    private readonly connectionString: string,
    private readonly applicationName: string,
  ) {
    super(db, pingTimeoutMs);
  }

  /** `LISTEN` on a dedicated connection of its own (postgres-listener.ts). */
  listen(channels: readonly string[], onNotify: (channel: string) => void): DatabaseListener {
    this.assertOpen();
    return new PostgresListener(this.connectionString, channels, onNotify, `${this.applicationName}-listen`);
  }

  static open(connectionString: string, options: PostgresDatabaseOptions = {}): PostgresDatabase {
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      application_name: options.applicationName ?? 'acgs',
      types: postgresTypes,
    });
    // A client losing its connection (server restart, failover) is dropped from the pool, which
    // reconnects on next use; without listeners the 'error' event would crash the process.
    guardPool(pool);
    const db = new Kysely<unknown>({ dialect: new OutagePostgresDialect({ pool }) });
    return new PostgresDatabase(
      db,
      options.pingTimeoutMs ?? 2000,
      connectionString,
      options.applicationName ?? 'acgs',
    );
  }
}
