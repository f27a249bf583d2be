import type { Generated, Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../storage/database.js';

/** Tables of the local bus (owner `bus`). */
export interface LocalBusTables {
  /** Every published event, in publish order. */
  bus_events: {
    seq: Generated<number>;
    id: string;
    subject: string;
    /** The envelope as JSON text. */
    envelope: string;
    published_ms: number;
  };
  /** Durable consumers: their filters and how far events have been handed to them. */
  bus_consumers: {
    name: string;
    /** JSON array of subject filters. */
    subjects: string;
    /** Highest event seq already examined for this consumer. */
    cursor: number;
    created_ms: number;
    /** Ephemeral consumers: removed once this passes unrefreshed (null: durable). */
    expires_ms: number | null;
  };
  /** Messages a consumer has not acked yet; a row leaves on ack. */
  bus_pending: {
    consumer: string;
    seq: number;
    /** Deliveries so far. */
    deliveries: number;
    /** Epoch ms from which the message may be (re)delivered: now, after a nak delay, or ackWait. */
    visible_ms: number;
  };
}

/** The bus's migrations for one dialect (run under owner `bus`). */
export function localBusMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_bus_tables': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('bus_events')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('envelope', 'text', (c) => c.notNull())
          .addColumn('published_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('bus_consumers')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('subjects', 'text', (c) => c.notNull())
          .addColumn('cursor', 'bigint', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('bus_pending')
          .addColumn('consumer', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('deliveries', 'integer', (c) => c.notNull())
          .addColumn('visible_ms', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('bus_pending_pk', ['consumer', 'seq'])
          .execute();
        await db.schema
          .createIndex('bus_pending_visible')
          .on('bus_pending')
          .columns(['consumer', 'visible_ms'])
          .execute();
      },
    },
    '0002_ephemeral_consumers': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('bus_consumers').addColumn('expires_ms', 'bigint').execute();
      },
    },
  };
}
