import type { Kysely, Migration } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** Result of applying one owner's migrations. */
export interface MigrationReport {
  readonly owner: string;
  /** Names of migrations applied by this call, in order (empty when already up to date). */
  readonly applied: readonly string[];
}

/**
 * A connection to the platform's database: SQLite (embedded mode) or PostgreSQL (distributed mode)
 * behind one Kysely instance. Each service owns its tables and migrations; `migrate` keeps every
 * owner's history in its own table (`acgs_migrations_<owner>`), so services migrate independently.
 */
export interface Database {
  readonly dialect: SqlDialect;
  /** The query builder. A service narrows it to its own tables with `database.as<MyTables>()`. */
  readonly db: Kysely<unknown>;
  as<Tables>(): Kysely<Tables>;
  migrate(owner: string, migrations: Readonly<Record<string, Migration>>): Promise<MigrationReport>;
  /** Names of `migrations` not yet applied for `owner` (all of them on a new database). */
  pendingMigrations(owner: string, migrations: Readonly<Record<string, Migration>>): Promise<string[]>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * PostgreSQL only (absent on SQLite, where one process owns the file): calls `onNotify(channel)`
   * for every `NOTIFY` on one of `channels` (lower-case identifiers), from any process on the same
   * database. It MUST survive connection loss, reconnecting by itself, and MUST call `onNotify` once
   * per channel after every (re)connection, since notifications sent meanwhile are lost: treat a
   * notification as "look now", never as the only way to learn of a change.
   */
  listen?(channels: readonly string[], onNotify: (channel: string) => void): DatabaseListener;
  close(): Promise<void>;
}

/** A subscription made by `Database.listen`. */
export interface DatabaseListener {
  /** True while notifications are being received. */
  readonly listening: boolean;
  stop(): Promise<void>;
}
