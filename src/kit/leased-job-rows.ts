/**
 * The lease queries of a job table (`id`, `status`, `attempts`, `owner`, `lease_until_ms`,
 * `created_ms`, `updated_ms`, unfinished = `queued` | `running`), for the kit's durable job
 * queue, and the row reads and writes every such table needs. One implementation for every
 * service that keeps jobs (synthesis jobs, evolution runs, verification jobs).
 */
import type { Kysely } from 'kysely';
import type { LeasedJobStore } from './durable-job-queue.js';

const OPEN = ['queued', 'running'];

export class LeasedJobRows<Row extends { readonly id: string } = { readonly id: string }>
  implements LeasedJobStore
{
  // biome-ignore lint/suspicious/noExplicitAny: one implementation over each service's own job table
  readonly #db: Kysely<any>;

  constructor(
    db: Kysely<unknown>,
    private readonly table: string,
  ) {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    this.#db = db as Kysely<any>;
  }

  /** Unfinished jobs that no live process holds (never leased, or lease expired), oldest first. */
  async orphaned(nowMs: number): Promise<{ id: string; attempts: number }[]> {
    return (await this.#db
      .selectFrom(this.table)
      .selectAll()
      .where('status', 'in', OPEN)
      .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', nowMs)]))
      .orderBy('created_ms')
      .execute()) as { id: string; attempts: number }[];
  }

  /** Takes a job for this process if it is unfinished and unleased (or its lease expired). */
  async claim(id: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable(this.table)
      .set({ owner, lease_until_ms: nowMs + leaseMs, updated_ms: nowMs })
      .where('id', '=', id)
      .where('status', 'in', OPEN)
      .where((eb) =>
        eb.or([eb('owner', '=', owner), eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', nowMs)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Lets go of an unfinished job this process holds, so the next process to start takes it at once. */
  async release(id: string, owner: string): Promise<void> {
    await this.#db
      .updateTable(this.table)
      .set({ owner: null, lease_until_ms: null })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .where('status', 'in', OPEN)
      .execute();
  }

  /** Stores a new job row. */
  async insert(row: Row): Promise<void> {
    await this.#db.insertInto(this.table).values(row).execute();
  }

  async get(id: string): Promise<Row | undefined> {
    return (await this.#db.selectFrom(this.table).selectAll().where('id', '=', id).executeTakeFirst()) as
      | Row
      | undefined;
  }

  /** Updates a job that is still unfinished; false when it had already finished (e.g. was cancelled). */
  async updateOpen(id: string, changes: Partial<Omit<Row, 'id'>>): Promise<boolean> {
    const result = await this.#db
      .updateTable(this.table)
      .set(changes)
      .where('id', '=', id)
      .where('status', 'in', OPEN)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
