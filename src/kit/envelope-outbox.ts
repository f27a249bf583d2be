/**
 * An outbox table of whole event envelopes, as the constitution and council services keep one:
 * a change inserts its event in its own transaction (`enqueue`), and the kit's OutboxRelay moves
 * the rows to the bus oldest first (`pending`, `remove`). One definition of the table, its
 * migration and its three statements, for every service that names its own table.
 */
import type { Kysely } from 'kysely';
import type { EventEnvelope } from '../kernel/events.js';
import type { EventOutbox } from './outbox-relay.js';

export interface EnvelopeOutboxTable {
  event_id: string;
  envelope: string;
  created_ms: number;
}

type OutboxSchema = Record<string, EnvelopeOutboxTable>;

/** The migration step that creates an envelope outbox named `table`. */
export async function createEnvelopeOutboxTable(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export class EnvelopeOutbox implements EventOutbox {
  readonly #db: Kysely<OutboxSchema>;

  /** `db` is the service's own database handle; the table must have been created by its migration. */
  constructor(
    db: object,
    private readonly table: string,
  ) {
    this.#db = db as Kysely<OutboxSchema>;
  }

  /** Adds an event inside the caller's transaction (a Kysely transaction of the same database). */
  async enqueue(tx: object, event: EventEnvelope, nowMs: number): Promise<void> {
    await (tx as Kysely<OutboxSchema>)
      .insertInto(this.table)
      .values({ event_id: event.id, envelope: JSON.stringify(event), created_ms: nowMs })
      .execute();
  }

  async pending(limit: number): Promise<EventEnvelope[]> {
    const rows = await this.#db
      .selectFrom(this.table)
      .select(['envelope'])
      .orderBy('created_ms')
      .orderBy('event_id')
      .limit(limit)
      .execute();
    return rows.map((row) => JSON.parse(row.envelope) as EventEnvelope);
  }

  async remove(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#db.deleteFrom(this.table).where('event_id', 'in', eventIds).execute();
  }
}
