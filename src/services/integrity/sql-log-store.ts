import type { Kysely, Transaction } from 'kysely';
import { type Hash, type NodeId, type NodeMap, type NodeWrite, nodeKey } from '../../merkle/index.js';
import type { Database } from '../../storage/database.js';
import { integrityErrors } from './errors.js';
import type {
  KeyedReceipt,
  LogBatch,
  LogStore,
  PendingAppend,
  StoredCheckpoint,
  StoredEntry,
} from './log-store.js';
import type { IntegrityTables } from './store.js';

type Db = Kysely<IntegrityTables>;

function buffer(hash: Hash): Buffer {
  return Buffer.isBuffer(hash) ? hash : Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // PostgreSQL unique_violation; SQLite SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE.
  return (
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (typeof e.message === 'string' && /UNIQUE constraint failed/.test(e.message))
  );
}

/**
 * LogStore over the platform's Kysely database; `SqliteLogStore` and `PostgresLogStore` differ only in
 * how many rows one statement may carry (bound-parameter limits: 32,766 and 65,535).
 */
abstract class KyselyLogStore implements LogStore {
  protected readonly db: Db;
  protected abstract readonly rowsPerStatement: number;

  constructor(database: Database) {
    this.db = database.as<IntegrityTables>();
  }

  async size(): Promise<number> {
    const row = await this.db
      .selectFrom('integrity_log_entries')
      .select((eb) => eb.fn.max('idx').as('last'))
      .executeTakeFirst();
    const last = row?.last;
    return last === null || last === undefined ? 0 : Number(last) + 1;
  }

  async readNodes(ids: readonly NodeId[]): Promise<NodeMap> {
    const out = new Map<string, Hash>();
    const leaves = ids.filter((id) => id.level === 0).map((id) => id.index);
    const inner = ids.filter((id) => id.level > 0);
    if (leaves.length > 0) {
      const rows = await this.db
        .selectFrom('integrity_log_entries')
        .select(['idx', 'leaf_hash'])
        .where('idx', 'in', leaves)
        .execute();
      for (const row of rows) out.set(nodeKey({ level: 0, index: Number(row.idx) }), row.leaf_hash);
    }
    if (inner.length > 0) {
      const rows = await this.db
        .selectFrom('integrity_log_nodes')
        .select(['level', 'idx', 'hash'])
        .where((eb) =>
          eb.or(inner.map((id) => eb.and([eb('level', '=', id.level), eb('idx', '=', id.index)]))),
        )
        .execute();
      for (const row of rows) out.set(nodeKey({ level: row.level, index: Number(row.idx) }), row.hash);
    }
    return out;
  }

  async commit(batch: LogBatch): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // The entries' primary key refuses a second writer at the same index, so a fork is
        // impossible; checking the size first turns the common case into a clear error.
        const stored = await sizeIn(trx);
        if (stored !== batch.firstIndex) throw forked(batch.firstIndex, stored);
        await this.writeBatch(trx, batch);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw forked(batch.firstIndex, undefined, error);
      throw error;
    }
  }

  protected async writeBatch(trx: Transaction<IntegrityTables>, batch: LogBatch): Promise<void> {
    const rows = batch.entries.map((e, i) => ({
      idx: batch.firstIndex + i,
      entry: e.entry,
      leaf_hash: buffer(e.leafHash),
      append_key: e.key,
    }));
    for (const part of chunks(rows, this.rowsPerStatement))
      await trx.insertInto('integrity_log_entries').values(part).execute();
    const nodes = batch.nodes.map((n) => ({ level: n.id.level, idx: n.id.index, hash: buffer(n.hash) }));
    for (const part of chunks(nodes, this.rowsPerStatement))
      await trx.insertInto('integrity_log_nodes').values(part).execute();
    for (const part of chunks(batch.pendingIds, 1000))
      await trx.deleteFrom('integrity_log_pending').where('id', 'in', part).execute();
    if (batch.checkpoint) await insertCheckpoint(trx, batch.checkpoint);
  }

  async addCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await insertCheckpoint(this.db, checkpoint);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = await this.db
      .selectFrom('integrity_log_checkpoints')
      .selectAll()
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && checkpointOf(row);
  }

  async checkpoints(from: number, to: number, limit: number): Promise<StoredCheckpoint[]> {
    const rows = await this.db
      .selectFrom('integrity_log_checkpoints')
      .selectAll()
      .where('size', '>=', from)
      .where('size', '<=', to)
      .orderBy('size')
      .limit(limit)
      .execute();
    return rows.map(checkpointOf);
  }

  async entries(start: number, end: number): Promise<StoredEntry[]> {
    const rows = await this.db
      .selectFrom('integrity_log_entries')
      .select(['idx', 'entry', 'leaf_hash'])
      .where('idx', '>=', start)
      .where('idx', '<', end)
      .orderBy('idx')
      .execute();
    return rows.map((row) => ({ index: Number(row.idx), entry: row.entry, leafHash: row.leaf_hash }));
  }

  async entry(index: number): Promise<StoredEntry | undefined> {
    const [found] = await this.entries(index, index + 1);
    return found;
  }

  async indexOfLeafHash(leafHash: Hash, size: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('integrity_log_entries')
      .select((eb) => eb.fn.min('idx').as('idx'))
      .where('leaf_hash', '=', buffer(leafHash))
      .where('idx', '<', size)
      .executeTakeFirst();
    return row?.idx === null || row?.idx === undefined ? undefined : Number(row.idx);
  }

  async findKeys(keys: readonly string[]): Promise<Map<string, KeyedReceipt>> {
    const out = new Map<string, KeyedReceipt>();
    for (const part of chunks(keys, 1000)) {
      if (part.length === 0) continue;
      const rows = await this.db
        .selectFrom('integrity_log_entries')
        .select(['idx', 'leaf_hash', 'append_key'])
        .where('append_key', 'in', part)
        .execute();
      for (const row of rows)
        if (row.append_key !== null)
          out.set(row.append_key, { index: Number(row.idx), leafHash: row.leaf_hash });
    }
    return out;
  }

  async addPending(key: string, entry: string, acceptedMs: number): Promise<void> {
    await this.db
      .insertInto('integrity_log_pending')
      .values({ append_key: key, entry, accepted_ms: acceptedMs })
      .onConflict((oc) => oc.column('append_key').doNothing())
      .execute();
  }

  async pendingAppends(limit: number): Promise<PendingAppend[]> {
    const rows = await this.db
      .selectFrom('integrity_log_pending')
      .select(['id', 'append_key', 'entry'])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), key: row.append_key, entry: row.entry }));
  }

  async metaIfAbsent(name: string, value: string): Promise<string> {
    await this.db
      .insertInto('integrity_log_meta')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const stored = await this.meta(name);
    if (stored === undefined) throw new Error(`meta ${name} vanished`);
    return stored;
  }

  async meta(name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('integrity_log_meta')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.value;
  }

  async recordKeys(vkeys: readonly string[], nowMs: number): Promise<void> {
    for (const vkey of vkeys) {
      await this.db
        .insertInto('integrity_log_keys')
        .values({ vkey, first_ms: nowMs })
        .onConflict((oc) => oc.column('vkey').doNothing())
        .execute();
    }
  }

  async knownKeys(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('integrity_log_keys')
      .select('vkey')
      .orderBy('first_ms')
      .orderBy('vkey')
      .execute();
    return rows.map((row) => row.vkey);
  }

  async nodesCompletedIn(start: number, end: number): Promise<NodeWrite[]> {
    if (end <= start) return [];
    // Node (level, j) is completed by leaf (j + 1)·2^level − 1.
    const ranges: { level: number; lo: number; hi: number }[] = [];
    for (let level = 1; 2 ** level <= end; level++) {
      const width = 2 ** level;
      const lo = Math.ceil((start + 1) / width) - 1;
      const hi = Math.floor(end / width) - 1;
      if (hi >= lo) ranges.push({ level, lo, hi });
    }
    if (ranges.length === 0) return [];
    const rows = await this.db
      .selectFrom('integrity_log_nodes')
      .select(['level', 'idx', 'hash'])
      .where((eb) =>
        eb.or(
          ranges.map((r) =>
            eb.and([eb('level', '=', r.level), eb('idx', '>=', r.lo), eb('idx', '<=', r.hi)]),
          ),
        ),
      )
      .execute();
    return rows.map((row) => ({ id: { level: row.level, index: Number(row.idx) }, hash: row.hash }));
  }
}

async function sizeIn(trx: Transaction<IntegrityTables>): Promise<number> {
  const row = await trx
    .selectFrom('integrity_log_entries')
    .select((eb) => eb.fn.max('idx').as('last'))
    .executeTakeFirst();
  const last = row?.last;
  return last === null || last === undefined ? 0 : Number(last) + 1;
}

async function insertCheckpoint(db: Db | Transaction<IntegrityTables>, checkpoint: StoredCheckpoint) {
  await db
    .insertInto('integrity_log_checkpoints')
    .values({
      size: checkpoint.size,
      root: buffer(checkpoint.root),
      note: checkpoint.note,
      signed_ms: checkpoint.signedMs,
    })
    .onConflict((oc) => oc.column('size').doNothing())
    .execute();
}

function checkpointOf(row: {
  size: number;
  root: Buffer;
  note: string;
  signed_ms: number;
}): StoredCheckpoint {
  return { size: Number(row.size), root: row.root, note: row.note, signedMs: Number(row.signed_ms) };
}

function forked(expected: number, stored: number | undefined, cause?: unknown) {
  return integrityErrors.create(
    'LOG_FORKED',
    `the sequencer expected ${expected} entries but the store ${stored === undefined ? 'already holds a later entry' : `holds ${stored}`}`,
    cause === undefined ? {} : { cause },
  );
}

/** The embedded log store (SQLite, WAL, synchronous=FULL: a committed batch is on disk). */
export class SqliteLogStore extends KyselyLogStore {
  protected readonly rowsPerStatement = 2000;
}

/** The distributed log store (PostgreSQL). */
export class PostgresLogStore extends KyselyLogStore {
  protected readonly rowsPerStatement = 4000;
}

/** Picks the store for a database's dialect. */
export function createLogStore(database: Database): LogStore {
  return database.dialect === 'postgres' ? new PostgresLogStore(database) : new SqliteLogStore(database);
}
