/**
 * Group commit for units of work that each need their own answer (a vote is recorded or refused):
 * work submitted while a transaction is in flight runs in the next one, each unit inside its own
 * savepoint, so N concurrent votes cost one commit — one fsync on SQLite — instead of N, and one
 * unit's failure rolls back that unit alone. A lone unit waits one turn of the event loop (for the
 * requests already received to join it), never for a timer.
 *
 * Contract: a unit MUST NOT keep state outside the transaction that outlives a rollback of its
 * savepoint; its answer is delivered only after the transaction committed (so nothing is
 * acknowledged before it is durable), and when the commit fails every unit of the batch rejects
 * with that error.
 */
import { type Kysely, sql, type Transaction } from 'kysely';

type Unit<Db, Out> = (tx: Transaction<Db>) => Promise<Out>;

interface Queued<Db> {
  readonly unit: Unit<Db, unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class TransactionBatcher<Db> {
  readonly #queue: Queued<Db>[] = [];
  #draining = false;

  constructor(
    private readonly db: Kysely<Db>,
    private readonly maxBatch = 64,
  ) {}

  /** Runs `unit` in the next batch's transaction; resolves with its answer once that transaction committed. */
  run<Out>(unit: Unit<Db, Out>): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ unit, resolve: resolve as (value: unknown) => void, reject });
      if (this.#draining) return;
      this.#draining = true;
      // One turn of the event loop first: requests already received submit their work meanwhile
      // (a unit that runs on an idle connection never yields, so without it every batch is one).
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        let batch: Queued<Db>[] = [];
        let settled: ({ ok: true; value: unknown } | { ok: false; error: unknown })[];
        try {
          settled = await this.db.transaction().execute(async (tx) => {
            // Taken once the connection is ours: what arrived while waiting for it joins this batch.
            batch = this.#queue.splice(0, this.maxBatch);
            const results: typeof settled = [];
            for (const entry of batch) {
              await sql`SAVEPOINT unit`.execute(tx);
              try {
                results.push({ ok: true, value: await entry.unit(tx) });
                await sql`RELEASE SAVEPOINT unit`.execute(tx);
              } catch (error) {
                await sql`ROLLBACK TO SAVEPOINT unit`.execute(tx);
                await sql`RELEASE SAVEPOINT unit`.execute(tx);
                results.push({ ok: false, error });
              }
            }
            return results;
          });
        } catch (error) {
          // The transaction could not even begin: the batch waiting for it fails with it.
          if (batch.length === 0) batch = this.#queue.splice(0, this.maxBatch);
          for (const entry of batch) entry.reject(error);
          continue;
        }
        batch.forEach((entry, i) => {
          const result = settled[i]!;
          if (result.ok) entry.resolve(result.value);
          else entry.reject(result.error);
        });
      }
    } finally {
      this.#draining = false;
    }
  }
}
