import { type Kysely, sql } from 'kysely';
import type { Database } from '../../storage/database.js';

/**
 * Who may sequence the log. Exactly one process writes entries at a time; the others hand their
 * appends over through the pending table. A lease that is lost (its holder dies, its connection
 * breaks) frees within moments, and another replica's next `tryAcquire` wins it.
 */
export interface SequencerLease {
  /** True when this process now holds the lease (or already did). */
  tryAcquire(): Promise<boolean>;
  /** False once the lease is no longer certainly held (then stop sequencing at once). */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * SQLite: one process owns the database file, so it is always the sequencer. (Were a second
 * process to write, the entries' primary key would refuse its batch: the log cannot fork.)
 */
export class SingleProcessLease implements SequencerLease {
  async tryAcquire(): Promise<boolean> {
    return true;
  }
  async stillHeld(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}

/** Advisory-lock key of the integrity sequencer: "ACGSLOG" as a 64-bit integer. */
export const SEQUENCER_LOCK_KEY = 0x41434753_4c4f47n;

/**
 * PostgreSQL: a session-level advisory lock held on one dedicated pooled connection for as long as
 * this process sequences. When the process dies, PostgreSQL ends its session and frees the lock.
 */
export class PostgresAdvisoryLease implements SequencerLease {
  readonly #db: Kysely<unknown>;
  #held: Kysely<unknown> | undefined;
  #releaseHold: (() => void) | undefined;
  #holding: Promise<void> | undefined;

  constructor(
    database: Database,
    private readonly checkTimeoutMs = 2000,
  ) {
    this.#db = database.db;
  }

  tryAcquire(): Promise<boolean> {
    if (this.#held) return Promise.resolve(true);
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      this.#holding = this.#db
        .connection()
        .execute(async (connection) => {
          const { rows } = await sql<{
            ok: boolean;
          }>`select pg_try_advisory_lock(${SEQUENCER_LOCK_KEY.toString()}::bigint) as ok`.execute(connection);
          if (rows[0]?.ok !== true) {
            settled = true;
            resolve(false);
            return;
          }
          // Hold the connection (and with it the lock) until release().
          const released = new Promise<void>((r) => {
            this.#releaseHold = r;
          });
          this.#held = connection;
          settled = true;
          resolve(true);
          await released;
          await sql`select pg_advisory_unlock(${SEQUENCER_LOCK_KEY.toString()}::bigint)`
            .execute(connection)
            .catch(() => undefined);
        })
        .catch((error: unknown) => {
          this.#held = undefined;
          if (!settled) reject(error);
        });
    });
  }

  async stillHeld(): Promise<boolean> {
    const held = this.#held;
    if (!held) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lease check timed out')), this.checkTimeoutMs);
      });
      const { rows } = await Promise.race([
        sql<{
          held: boolean;
        }>`select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted and objid = ${Number(SEQUENCER_LOCK_KEY & 0xffffffffn)} and classid = ${Number(SEQUENCER_LOCK_KEY >> 32n)}) as held`.execute(
          held,
        ),
        timeout,
      ]);
      return rows[0]?.held === true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async release(): Promise<void> {
    const release = this.#releaseHold;
    this.#releaseHold = undefined;
    this.#held = undefined;
    release?.();
    await this.#holding?.catch(() => undefined);
    this.#holding = undefined;
  }
}
