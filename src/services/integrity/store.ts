import { type Generated, type Kysely, type Migration, sql } from 'kysely';
import { columnTypes, dialectOf } from '../../storage/schema-helpers.js';

/**
 * The Integrity service's tables (docs/integrity.md):
 * - `integrity_log_entries`: index → canonical entry text, leaf hash, and the hashes of the complete
 *   subtrees this leaf completes (level 1 upwards, 32 bytes each; node (level l, index j) is
 *   completed by leaf (j+1)·2^l − 1, so every stored node is one primary-key read away and an append
 *   only ever writes at the end of one B-tree);
 * - `integrity_log_leaf_index`: (block, leaf hash) → index, one block of LEAF_BLOCK entries at a
 *   time, each block sorted by hash and written once behind the sequencer (a hash-ordered index
 *   written on every commit would dirty pages all over it; one that takes sorted batches still
 *   rewrites most of itself per batch). A lookup probes each block once;
 * - `integrity_log_append_keys`: append key (event id, idempotency key) → index, so a redelivered
 *   event is logged once;
 * - `integrity_log_checkpoints`: signed tree heads by size;
 * - `integrity_log_pending`: appends accepted by replicas that are not the sequencer;
 * - `integrity_log_keys`, `integrity_log_meta`: verifier keys that ever signed; the origin, the
 *   leaf-index watermark and, in distributed mode without ACGS_LOG_SIGNING_KEY, the signing key.
 * The old `integrity_intake` table is replaced by the log itself.
 */
export interface LogEntriesTable {
  idx: number;
  entry: string;
  leaf_hash: Buffer;
  nodes: Buffer | null;
}

export interface LogLeafIndexTable {
  block: number;
  leaf_hash: Buffer;
  idx: number;
}

/** Entries per block of the leaf-hash index. */
export const LEAF_BLOCK = 16_384;

/**
 * PostgreSQL notification channels of the hand-over (docs/integrity.md): a replica notifies
 * `pending` when it hands an append over, the sequencer notifies `integrated` when it has
 * integrated hand-overs. Both only wake the other side early; the polls stay the safety net.
 */
export const LOG_CHANNELS = { pending: 'acgs_log_pending', integrated: 'acgs_log_integrated' } as const;

export interface LogAppendKeysTable {
  append_key: string;
  idx: number;
}

export interface LogCheckpointsTable {
  size: number;
  root: Buffer;
  note: string;
  signed_ms: number;
}

export interface LogPendingTable {
  id: Generated<number>;
  append_key: string;
  entry: string;
  accepted_ms: number;
}

export interface LogKeysTable {
  vkey: string;
  first_ms: number;
}

export interface LogMetaTable {
  name: string;
  value: string;
}

export interface IntegrityTables {
  integrity_log_entries: LogEntriesTable;
  integrity_log_leaf_index: LogLeafIndexTable;
  integrity_log_append_keys: LogAppendKeysTable;
  integrity_log_checkpoints: LogCheckpointsTable;
  integrity_log_pending: LogPendingTable;
  integrity_log_keys: LogKeysTable;
  integrity_log_meta: LogMetaTable;
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
  '0002_merkle_log': {
    async up(db: Kysely<unknown>) {
      const dialect = dialectOf(db);
      const { blob } = columnTypes(dialect);
      // On SQLite an INTEGER PRIMARY KEY is the rowid: entries are stored in index order.
      const indexType = dialect === 'sqlite' ? 'integer' : 'bigint';
      await db.schema
        .createTable('integrity_log_entries')
        .addColumn('idx', indexType, (c) => c.primaryKey())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', blob, (c) => c.notNull())
        .addColumn('nodes', blob)
        .execute();
      const withoutRowid = <T extends { modifyEnd(node: ReturnType<typeof sql>): T }>(builder: T) =>
        dialect === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder;
      await db.schema
        .createTable('integrity_log_leaf_index')
        .addColumn('block', 'bigint', (c) => c.notNull())
        .addColumn('leaf_hash', blob, (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('integrity_log_leaf_index_pk', ['block', 'leaf_hash', 'idx'])
        .$call(withoutRowid)
        .execute();
      await db.schema
        .createTable('integrity_log_append_keys')
        .addColumn('append_key', 'text', (c) => c.primaryKey())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('integrity_log_checkpoints')
        .addColumn('size', 'bigint', (c) => c.primaryKey())
        .addColumn('root', blob, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('signed_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('integrity_log_pending')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('append_key', 'text', (c) => c.notNull().unique())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('accepted_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('integrity_log_keys')
        .addColumn('vkey', 'text', (c) => c.primaryKey())
        .addColumn('first_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('integrity_log_meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema.dropTable('integrity_intake').execute();
    },
  },
};
