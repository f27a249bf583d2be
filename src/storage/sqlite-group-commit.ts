/**
 * Group commit for the embedded database. SQLite has one writer and one fsync per durable commit
 * (sqlite-wal-sync.ts); on a busy disk that is several milliseconds with the event loop blocked,
 * and every service's transactions (the log's appends, bus publishes and acks, outboxes, review
 * tasks) took their turn at it. Here transactions share commits instead:
 *
 * - the first transaction (or write outside one) opens a physical transaction (`begin
 *   immediate`); each logical transaction runs inside it as a savepoint;
 * - a logical commit releases its savepoint and hands the connection to the next waiter at once,
 *   then waits: its promise resolves only when the physical transaction has committed (durable);
 * - the physical commit happens at the end of the event loop's turn (`setImmediate`), so that
 *   every service's work of the turn shares it — at the first moment the connection is free from
 *   then on — or as soon as the group is `maxGroupMs` old or holds `maxGroupSize` logical commits;
 * - a logical rollback rolls back its savepoint only; a failed physical commit fails every
 *   logical transaction of the group (none of them was reported committed).
 *
 * A write outside a transaction is a one-statement logical transaction. Reads outside a
 * transaction run in the open group and see its work before that work is durable (one process,
 * one connection, as before); a reader that acts on what it read waits for its own writes,
 * which commit with or after what it saw.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
} from 'kysely';
import type { WalSync } from './sqlite-wal-sync.js';

export interface GroupCommitOptions {
  /** Most time a group stays open while waiters keep coming (default 10 ms). */
  readonly maxGroupMs?: number;
  /** Most logical commits in one group (default 1000). */
  readonly maxGroupSize?: number;
  /** Called after each physical commit with the number of logical commits it made durable. */
  readonly onCommit?: (logicalCommits: number) => void;
  /** How long opening a group waits for another connection's write lock (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Awaited before the connection closes (the checkpointer's thread ends first). */
  readonly beforeClose?: () => Promise<void>;
  /**
   * Makes each committed group durable off the event loop (connection in `synchronous=NORMAL`,
   * sqlite-wal-sync.ts); without it a commit is durable when `commit` returns (`FULL`).
   */
  readonly walSync?: WalSync;
}

interface Lease extends DatabaseConnection {
  released: boolean;
  logical: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

const LOGICAL = 'acgs_logical';

export class GroupCommitSqliteDriver implements Driver {
  readonly #waiting: (() => void)[] = [];
  #locked = false;
  #group: { readonly openedAt: number; readonly durable: Waiter[] } | undefined;
  /** The turn has ended with the group open: commit at the next release. */
  #due = false;
  #scheduled = false;
  readonly #maxGroupMs: number;
  readonly #maxGroupSize: number;
  readonly #busyTimeoutMs: number;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly prepare: (sql: string) => BetterSqlite3.Statement,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.#maxGroupMs = options.maxGroupMs ?? 10;
    this.#maxGroupSize = options.maxGroupSize ?? 1000;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#locked) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#locked = true;
    const lease = {
      released: false,
      logical: false,
      executeQuery: (query: CompiledQuery) => this.#execute(lease, query),
      streamQuery: (query: CompiledQuery) => this.#stream(query),
    } as Lease;
    return lease;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#openGroup();
    this.sqlite.exec(`savepoint ${LOGICAL}`);
    (connection as Lease).logical = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    this.sqlite.exec(`release ${LOGICAL}`);
    lease.logical = false;
    await this.#durable(lease);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    lease.logical = false;
    if (this.sqlite.inTransaction) {
      this.sqlite.exec(`rollback to ${LOGICAL}`);
      this.sqlite.exec(`release ${LOGICAL}`);
    } else {
      // SQLite rolled the whole physical transaction back (some errors do): the group is lost.
      this.#failGroup(new Error('the database rolled the transaction group back'));
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.#savepointCommand(connection, 'savepoint', name);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.#savepointCommand(connection, 'rollback to', name);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.#savepointCommand(connection, 'release', name);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#release(connection as Lease);
  }

  async destroy(): Promise<void> {
    if (this.#group !== undefined) this.#commitGroup();
    await this.options.walSync?.close();
    await this.options.beforeClose?.();
    this.sqlite.close();
  }

  async #execute(lease: Lease, query: CompiledQuery): Promise<QueryResult<unknown>> {
    const statement = this.prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (lease.logical || statement.readonly) return run(statement, parameters);
    // A write outside a transaction (`returning` ones too): a logical transaction of one statement.
    await this.#openGroup();
    let result: QueryResult<unknown>;
    try {
      result = run(statement, parameters);
    } catch (error) {
      // Most failed statements undo themselves; a few make SQLite roll the whole group back.
      if (!this.sqlite.inTransaction) this.#failGroup(error);
      throw error;
    }
    await this.#durable(lease);
    return result;
  }

  #savepointCommand(connection: DatabaseConnection, command: string, name: string): void {
    if (!(connection as Lease).logical) throw new Error('savepoints need a transaction');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === LOGICAL)
      throw new Error(`savepoint name ${JSON.stringify(name)} is not allowed`);
    this.sqlite.exec(`${command} ${name}`);
  }

  async *#stream(query: CompiledQuery): AsyncIterableIterator<QueryResult<unknown>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite streams select queries only');
    for (const row of this.prepare(query.sql).iterate(query.parameters as unknown[])) yield { rows: [row] };
  }

  /**
   * Takes the write lock. Another connection's group holds it until the end of its event-loop turn;
   * when that connection lives in this process, SQLite's own busy wait would block the very loop
   * that has to commit it (each would wait out busy_timeout). So the lock is tried without waiting,
   * and retried from timers until busy_timeout has passed.
   */
  async #openGroup(): Promise<void> {
    if (this.#group !== undefined) return;
    const deadline = performance.now() + this.#busyTimeoutMs;
    for (;;) {
      const busy = this.#tryBegin();
      if (busy === undefined) break;
      if (performance.now() >= deadline) throw busy;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    this.#group = { openedAt: performance.now(), durable: [] };
  }

  /** `begin immediate` without waiting: undefined when it took the lock, the SQLITE_BUSY error if not. */
  #tryBegin(): unknown {
    this.sqlite.pragma('busy_timeout = 0');
    try {
      this.sqlite.exec('begin immediate');
      return undefined;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return error;
      throw error;
    } finally {
      this.sqlite.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  /** Joins the group's commit, hands the connection on, and resolves once the group is durable. */
  #durable(lease: Lease): Promise<void> {
    const group = this.#group;
    if (group === undefined) return Promise.reject(new Error('no transaction group is open'));
    const durable = new Promise<void>((resolve, reject) => group.durable.push({ resolve, reject }));
    this.#release(lease);
    return durable;
  }

  #release(lease: Lease): void {
    if (lease.released) return;
    lease.released = true;
    const group = this.#group;
    if (
      group !== undefined &&
      (this.#due ||
        group.durable.length >= this.#maxGroupSize ||
        performance.now() - group.openedAt >= this.#maxGroupMs)
    )
      this.#commitGroup();
    const next = this.#waiting.shift();
    if (next === undefined) this.#locked = false;
    else next();
    if (this.#group !== undefined && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#endOfTurn);
    }
  }

  readonly #endOfTurn = (): void => {
    this.#scheduled = false;
    if (this.#group === undefined) return;
    if (this.#locked) this.#due = true;
    else this.#commitGroup();
  };

  #commitGroup(): void {
    const group = this.#group!;
    this.#group = undefined;
    this.#due = false;
    try {
      this.sqlite.exec('commit');
    } catch (error) {
      if (this.sqlite.inTransaction) this.sqlite.exec('rollback');
      for (const waiter of group.durable) waiter.reject(error);
      return;
    }
    if (this.options.walSync === undefined) for (const waiter of group.durable) waiter.resolve();
    else this.options.walSync.durable(group.durable);
    this.options.onCommit?.(group.durable.length);
  }

  #failGroup(error: unknown): void {
    const group = this.#group;
    this.#group = undefined;
    this.#due = false;
    for (const waiter of group?.durable ?? []) waiter.reject(error);
  }
}

function run(statement: BetterSqlite3.Statement, parameters: unknown[]): QueryResult<unknown> {
  if (statement.reader) return { rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}
