import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type DialectAdapter, type Driver, Kysely, SqliteAdapter, SqliteDialect } from 'kysely';
import { storageErrors } from './errors.js';
import { KyselyDatabase } from './kysely-database.js';
import { type CheckpointerOptions, WalCheckpointer } from './sqlite-checkpointer.js';
import { type GroupCommitOptions, GroupCommitSqliteDriver } from './sqlite-group-commit.js';
import { WalSync } from './sqlite-wal-sync.js';

export interface SqliteDatabaseOptions {
  /** How long a writer waits for another process's lock before failing (ms, default 5000). */
  readonly busyTimeoutMs?: number;
  /** How long `ping()` may take before it rejects (ms, default 2000). */
  readonly pingTimeoutMs?: number;
  /** How transactions share commits (sqlite-group-commit.ts). */
  readonly groupCommit?: GroupCommitOptions;
  /** WAL checkpoints in a worker thread (sqlite-checkpointer.ts); false leaves them to SQLite. */
  readonly checkpointer?: CheckpointerOptions | false;
}

/**
 * SQLite supports transactional DDL, but Kysely's SQLite adapter says it does not, which would run
 * each migration outside a transaction and leave a half-applied migration behind on failure.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class AcgsSqliteDialect extends SqliteDialect {
  constructor(private readonly driver: GroupCommitSqliteDriver) {
    super({ database: { close: () => undefined, prepare: () => undefined as never } });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver(): Driver {
    return this.driver;
  }
}

/**
 * The embedded database: one SQLite file through better-sqlite3 (one connection, queries
 * serialised by Kysely). Opened eagerly so a bad path fails at start-up.
 *
 * Durability: the file is in WAL mode, and every committed transaction is fsynced to the WAL
 * before it resolves — an acknowledged write (a logged decision, a vote, a published event)
 * survives a power loss, not just a process crash. SQLite runs `synchronous=NORMAL` (its commit
 * does not sync) and the fdatasync happens in the thread pool (sqlite-wal-sync.ts), so the event
 * loop does not wait on the disk; the guarantee is `synchronous=FULL`'s. The cost is one fsync
 * per commit (roughly 0.1–2 ms on SSDs, far more on network disks), shared by concurrent
 * transactions (sqlite-group-commit.ts), each of which still resolves only once durable.
 */
export class SqliteDatabase extends KyselyDatabase {
  readonly dialect = 'sqlite' as const;

  private constructor(
    db: Kysely<unknown>,
    pingTimeoutMs: number,
    /** The file the database lives in (`:memory:` for a private in-memory database). */
    readonly path: string,
  ) {
    super(db, pingTimeoutMs);
  }

  static open(path: string, options: SqliteDatabaseOptions = {}): SqliteDatabase {
    let sqlite: BetterSqlite3.Database;
    try {
      if (path !== ':memory:') {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        ownerOnly(path);
      }
      sqlite = new BetterSqlite3(path);
      if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
      // FULL for a database without a WAL; a WAL is synced by WalSync after each commit instead.
      sqlite.pragma(`synchronous = ${path === ':memory:' ? 'FULL' : 'NORMAL'}`);
      // A group commit holds many services' writes (a log entry of thousands of decisions, their
      // review tasks and announcements) in one transaction. With SQLite's default 2 MiB page
      // cache those spill to the WAL before the commit, which made one large insert 20 times
      // slower; the cache is memory used as needed, up to this bound.
      sqlite.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      sqlite.pragma('foreign_keys = ON');
    } catch (cause) {
      throw storageErrors.create('STORAGE_UNAVAILABLE', `Cannot open the SQLite database at ${path}`, {
        details: { path },
        cause,
      });
    }
    if (path !== ':memory:')
      for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
    const checkpointer =
      path === ':memory:' || options.checkpointer === false
        ? undefined
        : new WalCheckpointer(path, sqlite, options.checkpointer);
    const groupCommit = options.groupCommit ?? {};
    const driver = new GroupCommitSqliteDriver(sqlite, cachingStatements(sqlite), {
      busyTimeoutMs: Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000)),
      ...groupCommit,
      ...(path === ':memory:' ? {} : { walSync: new WalSync(`${path}-wal`) }),
      onCommit: (logicalCommits) => {
        checkpointer?.committed();
        groupCommit.onCommit?.(logicalCommits);
      },
      beforeClose: async () => {
        await checkpointer?.stop();
        await groupCommit.beforeClose?.();
      },
    });
    const db = new Kysely<unknown>({ dialect: new AcgsSqliteDialect(driver) });
    return new SqliteDatabase(db, options.pingTimeoutMs ?? 2000, path);
  }
}

/** The page cache's bound (KiB): roomy enough that a group commit does not spill (see `open`). */
const PAGE_CACHE_KIB = 65_536;

/** Most prepared statements kept per connection (the platform issues a few hundred distinct ones). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query anew; compiling SQL costs more than running the small statements
 * the platform issues, so statements are kept by their SQL text (least recently used first out).
 * A statement still iterating (a streamed query) is busy and cannot be reused: a fresh one is
 * prepared for that call.
 */
function cachingStatements(sqlite: BetterSqlite3.Database): (sqlText: string) => BetterSqlite3.Statement {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sqlText: string) => {
    const cached = statements.get(sqlText);
    if (cached !== undefined && !cached.busy) {
      statements.delete(sqlText);
      statements.set(sqlText, cached);
      return cached;
    }
    const statement = sqlite.prepare(sqlText);
    if (cached === undefined) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(sqlText, statement);
    }
    return statement;
  };
}

/**
 * The database file is readable by its owner alone (0600): it holds password hashes, key digests
 * and signing keys. Created so before SQLite opens it (SQLite gives its -wal and -shm files the
 * database file's mode); an existing file is tightened.
 */
function ownerOnly(path: string): void {
  if (existsSync(path)) chmodSync(path, 0o600);
  else closeSync(openSync(path, 'a', 0o600));
}
