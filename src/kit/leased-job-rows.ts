/**
 * The lease queries of a job table (`id`, `status`, `attempts`, `owner`, `lease_until_ms`,
 * `created_ms`, `updated_ms`, unfinished = `queued` | `running`), for the kit's durable job
 * queue, and the row queries every job table needs (insert, get, update while unfinished). One
 * implementation for every service that keeps jobs (synthesis jobs, evolution runs, verification
 * jobs).
 */
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { LeasedJobStore } from './durable-job-queue.js';
import type { JobColumns } from './job-view.js';

const OPEN = ['queued', 'running'];

export class LeasedJobRows<Row extends { readonly id: string } = JobColumns> implements LeasedJobStore {
  // biome-ignore lint/suspicious/noExplicitAny: one implementation over each service's own job table
  readonly #db: Kysely<any>;

  constructor(
    db: Kysely<unknown>,
    private readonly table: string,
  ) {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    this.#db = db as Kysely<any>;
  }

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
}

/**
 * The migration step of a job table: the columns the lease queries and every job view use, the
 * service's own (`extra`: a stage, a result, a report), and the index the queue scans.
 */
export async function createJobTable(
  db: Kysely<unknown>,
  table: string,
  extra: (builder: CreateTableBuilder<string>) => CreateTableBuilder<string>,
): Promise<void> {
  const common = db.schema
    .createTable(table)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('constitution_hash', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('lease_until_ms', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull());
  await extra(common).execute();
  await db.schema.createIndex(`${table}_status`).on(table).columns(['status', 'created_ms']).execute();
}
