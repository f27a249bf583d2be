/**
 * Writes decisions to the integrity log. Synchronous mode (the default) awaits the durable append
 * (the log group-commits concurrent appends). Asynchronous mode commits the entry to the PGC's
 * own outbox table (group-committed too) and answers with the leaf hash, which is known before
 * the append because the entry's time is fixed here; the drainer appends it later, at least once,
 * with the decision id as idempotency key so a redelivery returns the first receipt.
 */
import type { Logger } from 'pino';
import type { IntegrityContract, LogAppendRequest } from '../../kernel/contracts/integrity.js';
import { PlatformError } from '../../kernel/errors.js';
import { encodeLogEntry, hashLeaf, type JsonValue, toHex } from '../../merkle/index.js';
import { pgcErrors } from './errors.js';
import type { OutboxRow, PgcStore } from './store.js';

export type LogMode = 'sync' | 'async';

/** A decision entry as the PGC builds it: time fixed, key = decision (or batch) id. */
export interface DecisionEntry extends LogAppendRequest {
  readonly time: string;
  readonly key: string;
}

export interface LogReceipt {
  readonly leaf_hash: string;
  /** The entry's index in the log, or null until an asynchronously logged entry is appended. */
  readonly index: number | null;
  readonly mode: LogMode;
}

const DRAIN_BATCH = 500;

export class DecisionLog {
  readonly #queue: { row: OutboxRow; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #writing = false;
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly integrity: IntegrityContract,
    private readonly store: PgcStore,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  async write(entry: DecisionEntry, mode: LogMode): Promise<LogReceipt> {
    if (mode === 'sync') {
      try {
        const receipt = await this.integrity.append({
          type: entry.type,
          source: entry.source,
          payload: entry.payload,
          time: entry.time,
        });
        return { leaf_hash: receipt.leafHash, index: receipt.index, mode };
      } catch (error) {
        throw notLogged(error);
      }
    }
    const text = encodeLogEntry({
      type: entry.type,
      time: entry.time,
      source: entry.source,
      payload: entry.payload as JsonValue,
    });
    try {
      await this.#enqueue({ decisionId: entry.key, entry: JSON.stringify(entry) });
    } catch (error) {
      throw notLogged(error);
    }
    this.kick();
    return { leaf_hash: toHex(hashLeaf(text)), index: null, mode };
  }

  /** Starts the drainer's timer (a safety net: every enqueue also kicks it). */
  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#draining;
  }

  /** Drains the outbox now; resolves when it is empty or the log refused. */
  kick(): Promise<void> {
    if (this.#draining !== undefined) {
      this.#drainAgain = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      try {
        do {
          this.#drainAgain = false;
          await this.#drain();
        } while (this.#drainAgain);
      } catch (error) {
        this.logger.warn({ err: error }, 'decision outbox not yet drained into the log; will retry');
      } finally {
        this.#draining = undefined;
      }
    })();
    return this.#draining;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.store.pendingDecisions(DRAIN_BATCH);
      if (rows.length === 0) return;
      await Promise.all(
        rows.map((row) => {
          const entry = JSON.parse(row.entry) as DecisionEntry;
          return this.integrity.append(entry);
        }),
      );
      await this.store.removeDecisions(rows.map((r) => r.decisionId));
    }
  }

  // Group commit for outbox inserts: rows arriving while a write is in flight share the next one.
  #enqueue(row: OutboxRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (!this.#writing) void this.#write();
    });
  }

  async #write(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, DRAIN_BATCH);
        try {
          await this.store.enqueueDecisions(
            batch.map((b) => b.row),
            this.now(),
          );
          for (const b of batch) b.resolve();
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

function notLogged(error: unknown): PlatformError {
  if (error instanceof PlatformError && error.status === 503) return error;
  return pgcErrors.create('PGC_DECISION_NOT_LOGGED', 'the decision log did not accept the decision; retry', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}
