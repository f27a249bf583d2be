import type { Kysely, Migration } from 'kysely';
import type { EventEnvelope } from '../../kernel/events.js';
import type { Database } from '../../storage/database.js';

/**
 * The Integrity service's tables. `integrity_intake` holds every platform event the service has
 * consumed from the bus, once per event id (delivery is at least once); the Merkle log issue
 * turns intake rows into log leaves.
 */
interface IntakeTable {
  event_id: string;
  type: string;
  source: string;
  event_time: string;
  payload: string;
  received_ms: number;
}

export interface IntegrityTables {
  integrity_intake: IntakeTable;
}

export const integrityMigrations: Readonly<Record<string, Migration>> = {
  '0001_intake': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('integrity_intake')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('event_time', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('integrity_intake_source')
        .on('integrity_intake')
        .columns(['source', 'type'])
        .execute();
    },
  },
};

export class IntegrityStore {
  private readonly db: Kysely<IntegrityTables>;

  constructor(database: Database) {
    this.db = database.as<IntegrityTables>();
  }

  /** Records an event; returns false when it was already recorded (a redelivery). */
  async recordIntake(event: EventEnvelope, receivedMs: number): Promise<boolean> {
    const result = await this.db
      .insertInto('integrity_intake')
      .values({
        event_id: event.id,
        type: event.type,
        source: event.source,
        event_time: event.time,
        payload: JSON.stringify(event.data ?? null),
        received_ms: receivedMs,
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async intakeCount(): Promise<number> {
    const row = await this.db
      .selectFrom('integrity_intake')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
