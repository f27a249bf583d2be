/**
 * Kysely's PostgreSQL dialect with the outage behaviour the platform promises: a lost connection
 * is never a crash, an operation that meets one fails with `STORAGE_UNAVAILABLE` (503,
 * `Retry-After: 1`), and reconnection backs off while the server stays away.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type PostgresDialectConfig,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { PlatformError } from '../kernel/errors.js';
import { storageErrors } from './errors.js';

/** Longest wait between two connection attempts while the server stays unreachable. */
const MAX_BACKOFF_MS = 1000;
const FIRST_BACKOFF_MS = 100;

/**
 * True for errors that mean "the connection or server is gone", as opposed to an answer from a
 * working server (a constraint violation, a syntax error), which callers may need to see as is.
 * Server answers in class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting
 * up) and 53300 (too many connections) count as outages too.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    return code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300';
  }
  if (error instanceof PlatformError || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /connection|terminated|not queryable|timeout exceeded/i.test(error.message);
}

function unavailable(cause: unknown): Error {
  if (cause instanceof PlatformError) return cause;
  // Which of the three it was (busy pool, lost connection, unreachable server) tells an operator
  // reading a 503 whether to look at load or at the database.
  const message = poolBusy(cause)
    ? 'Every pooled postgres connection stayed busy past the connect timeout; retry shortly'
    : 'The postgres database is unreachable; retry shortly';
  return storageErrors.create('STORAGE_UNAVAILABLE', message, {
    cause,
    headers: { 'retry-after': '1' },
  });
}

/**
 * Every pooled client gets an `error` listener for its whole life. pg's pool listens only on idle
 * clients, so a server that goes away while a client is checked out (a transaction, the
 * sequencer's lease connection) would otherwise raise an unhandled `error` and end the process.
 * The client's pending and next queries fail instead, and the pool drops it when it is released.
 */
export function guardPool(pool: pg.Pool, onConnectionError: (error: Error) => void = () => {}): pg.Pool {
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
  });
  return pool;
}

/** Fails fast between connection attempts while the server is away, backing off up to 1 s. */
class ReconnectBackoff {
  #failures = 0;
  #retryAt = 0;

  /**
   * Rejects at once while backing off — after one turn of the event loop, so a caller that
   * retries in a loop cannot starve timers and I/O on a chain of immediate rejections.
   */
  async check(): Promise<void> {
    if (this.#failures > 0 && Date.now() < this.#retryAt) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throw storageErrors.create(
        'STORAGE_UNAVAILABLE',
        'The postgres database is unreachable (backing off after a lost connection); retry shortly',
        { headers: { 'retry-after': '1' } },
      );
    }
  }

  failed(): void {
    this.#failures++;
    this.#retryAt = Date.now() + Math.min(FIRST_BACKOFF_MS * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
  }

  succeeded(): void {
    this.#failures = 0;
  }
}

class OutageConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly backoff: ReconnectBackoff,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.backoff.failed();
      throw unavailable(error);
    }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.backoff.failed();
      throw unavailable(error);
    }
  }
}

class OutageDriver implements Driver {
  readonly #backoff = new ReconnectBackoff();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#backoff.check();
    let connection: DatabaseConnection;
    try {
      connection = await this.inner.acquireConnection();
    } catch (error) {
      // Every pooled connection busy for connectTimeoutMs is load, not an outage: 503, no back-off.
      if (!poolBusy(error)) this.#backoff.failed();
      throw unavailable(error);
    }
    this.#backoff.succeeded();
    return new OutageConnection(connection, this.#backoff);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#mapped(() => this.inner.beginTransaction(innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#mapped(() => this.inner.commitTransaction(innerOf(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#mapped(() => this.inner.rollbackTransaction(innerOf(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#mapped(() => this.inner.savepoint!(innerOf(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#mapped(() => this.inner.rollbackToSavepoint!(innerOf(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#mapped(() => this.inner.releaseSavepoint!(innerOf(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  async #mapped(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      this.#backoff.failed();
      throw unavailable(error);
    }
  }
}

/** pg-pool's answer when no pooled connection came free within `connectionTimeoutMillis`. */
function poolBusy(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof OutageConnection ? connection.inner : connection;
}

/** `PostgresDialect` whose driver maps outages to `STORAGE_UNAVAILABLE` and backs off reconnecting. */
export class OutagePostgresDialect extends PostgresDialect {
  constructor(config: PostgresDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new OutageDriver(super.createDriver());
  }
}
