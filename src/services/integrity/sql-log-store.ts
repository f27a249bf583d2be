import { type Kysely, sql, type Transaction } from 'kysely';
import {
  HASH_SIZE,
  type Hash,
  type NodeId,
  type NodeMap,
  type NodeWrite,
  nodeKey,
} from '../../merkle/index.js';
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
import { type IntegrityTables, LEAF_BLOCK, LOG_CHANNELS } from './store.js';

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
 * LogStore over the platform's Kysely database; `SqliteLogStore` and `PostgresLogStore` differ in the
 * two hot-path statements (batch insert, proof read: JSON table functions vs arrays) and in how many
 * rows one statement may carry (bound-parameter limits: 32,766 and 65,535).
 */
abstract class KyselyLogStore implements LogStore {
  protected readonly db: Db;
  protected abstract readonly rowsPerStatement: number;

  /**
   * Inserts consecutive entry rows with one statement whose text does not depend on the row count
   * (the group commit's hot path: no per-row query building or statement preparation).
   */
  protected abstract insertEntries(
    trx: Transaction<IntegrityTables>,
    rows: readonly EntryRow[],
  ): Promise<void>;

  /**
   * The rows of the given indices, with one statement whose text does not depend on how many (a
   * proof's hot path: no query building per index).
   */
  protected abstract readRows(
    indices: readonly number[],
  ): Promise<{ idx: number; leaf_hash: Buffer; nodes: Buffer | null }[]>;

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
    if (ids.length === 0) return out;
    // Node (level, j) lives in the row of the leaf that completed it: (j + 1)·2^level − 1.
    const rowOf = (id: NodeId) => (id.index + 1) * 2 ** id.level - 1;
    const rows = await this.readRows([...new Set(ids.map(rowOf))]);
    const byIndex = new Map(rows.map((row) => [Number(row.idx), row]));
    for (const id of ids) {
      const row = byIndex.get(rowOf(id));
      if (!row) continue;
      if (id.level === 0) {
        out.set(nodeKey(id), row.leaf_hash);
        continue;
      }
      const at = (id.level - 1) * HASH_SIZE;
      if (row.nodes && row.nodes.length >= at + HASH_SIZE)
        out.set(nodeKey(id), row.nodes.subarray(at, at + HASH_SIZE));
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
      throw refusal(error, batch.firstIndex);
    }
  }

  protected async writeBatch(trx: Transaction<IntegrityTables>, batch: LogBatch): Promise<void> {
    const completed = nodesByLeaf(batch.nodes);
    const rows: EntryRow[] = batch.entries.map((e, i) => {
      const idx = batch.firstIndex + i;
      return { idx, entry: e.entry, leafHash: buffer(e.leafHash), nodes: completed.get(idx) ?? null };
    });
    for (const part of chunks(rows, this.rowsPerStatement)) await this.insertEntries(trx, part);
    const keys = rows.flatMap((row, i) => {
      const key = batch.entries[i]!.key;
      return key === null ? [] : [{ append_key: key, idx: row.idx }];
    });
    for (const part of chunks(keys, this.rowsPerStatement))
      await trx.insertInto('integrity_log_append_keys').values(part).execute();
    for (const part of chunks(batch.pendingIds, 1000)) await this.removePending(trx, part);
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
    const hash = buffer(leafHash);
    const indexed = Math.min(size, await this.leafIndexedSize());
    const blocks = Math.ceil(indexed / LEAF_BLOCK);
    if (blocks > 0) {
      const found = await this.findInBlocks(hash, blocks, indexed);
      if (found !== undefined) return found;
    }
    if (indexed >= size) return undefined;
    // The tail the index does not cover yet (less than two blocks).
    const tail = await this.db
      .selectFrom('integrity_log_entries')
      .select('idx')
      .where('idx', '>=', indexed)
      .where('idx', '<', size)
      .where('leaf_hash', '=', hash)
      .orderBy('idx')
      .limit(1)
      .executeTakeFirst();
    return tail ? Number(tail.idx) : undefined;
  }

  /** Lowest index below `below` with this leaf hash in index blocks 0 … blocks−1 (one probe each). */
  protected abstract findInBlocks(hash: Buffer, blocks: number, below: number): Promise<number | undefined>;

  async indexLeaves(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('integrity_log_meta')
        .select('value')
        .where('name', '=', LEAF_INDEX_META)
        .executeTakeFirst();
      const from = row ? Number(row.value) : 0;
      const leaves = await trx
        .selectFrom('integrity_log_entries')
        .select(['idx', 'leaf_hash'])
        .where('idx', '>=', from)
        .where('idx', '<', from + LEAF_BLOCK)
        .orderBy('idx')
        .execute();
      if (leaves.length < LEAF_BLOCK) return 0; // only whole blocks: each is written once
      const block = from / LEAF_BLOCK;
      // Sorted by hash: the block's keys are appended at the end of the index in order.
      const sorted = leaves
        .map((leaf) => ({ block, leaf_hash: leaf.leaf_hash, idx: Number(leaf.idx) }))
        .sort((x, y) => Buffer.compare(x.leaf_hash, y.leaf_hash));
      for (const part of chunks(sorted, this.rowsPerStatement))
        await trx
          .insertInto('integrity_log_leaf_index')
          .values(part)
          .onConflict((oc) => oc.columns(['block', 'leaf_hash', 'idx']).doNothing())
          .execute();
      const next = String(from + LEAF_BLOCK);
      await trx
        .insertInto('integrity_log_meta')
        .values({ name: LEAF_INDEX_META, value: next })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: next }))
        .execute();
      return LEAF_BLOCK;
    });
  }

  async leafIndexedSize(): Promise<number> {
    const value = await this.meta(LEAF_INDEX_META);
    return value === undefined ? 0 : Number(value);
  }

  async findKeys(keys: readonly string[]): Promise<Map<string, KeyedReceipt>> {
    const out = new Map<string, KeyedReceipt>();
    for (const part of chunks(keys, 1000)) {
      if (part.length === 0) continue;
      const rows = await this.db
        .selectFrom('integrity_log_append_keys as k')
        .innerJoin('integrity_log_entries as e', 'e.idx', 'k.idx')
        .select(['k.append_key', 'k.idx', 'e.leaf_hash'])
        .where('k.append_key', 'in', part)
        .execute();
      for (const row of rows) out.set(row.append_key, { index: Number(row.idx), leafHash: row.leaf_hash });
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

  /** Deletes integrated hand-overs inside the commit. */
  protected async removePending(trx: Transaction<IntegrityTables>, ids: readonly number[]): Promise<void> {
    await trx.deleteFrom('integrity_log_pending').where('id', 'in', ids).execute();
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
    const rows = await this.db
      .selectFrom('integrity_log_entries')
      .select(['idx', 'nodes'])
      .where('idx', '>=', start)
      .where('idx', '<', end)
      .where('nodes', 'is not', null)
      .execute();
    const out: NodeWrite[] = [];
    for (const row of rows) {
      const leaf = Number(row.idx);
      const nodes = row.nodes!;
      for (let level = 1; level * HASH_SIZE <= nodes.length; level++) {
        const width = 2 ** level;
        out.push({
          id: { level, index: (leaf + 1) / width - 1 },
          hash: nodes.subarray((level - 1) * HASH_SIZE, level * HASH_SIZE),
        });
      }
    }
    return out;
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

/** Concatenates each leaf's completed nodes (level 1 upwards) into the blob stored in its row. */
function nodesByLeaf(nodes: readonly NodeWrite[]): Map<number, Buffer> {
  const parts = new Map<number, Buffer[]>();
  for (const node of nodes) {
    const leaf = (node.id.index + 1) * 2 ** node.id.level - 1;
    const list = parts.get(leaf) ?? [];
    list[node.id.level - 1] = buffer(node.hash);
    parts.set(leaf, list);
  }
  const out = new Map<number, Buffer>();
  for (const [leaf, list] of parts) {
    if (list.length !== [...list].filter(Boolean).length)
      throw new Error(`leaf ${leaf} is missing a completed node`);
    out.set(leaf, Buffer.concat(list));
  }
  return out;
}

const LEAF_INDEX_META = 'leaf_indexed_size';

/** A failed commit's error: LOG_KEY_TAKEN or LOG_FORKED for a unique key it broke, else as it is. */
function refusal(error: unknown, firstIndex: number): unknown {
  if (!isUniqueViolation(error)) return error;
  const e = error as { table?: unknown; message?: unknown };
  // PostgreSQL names the table; SQLite says "UNIQUE constraint failed: <table>.<column>".
  if (
    e.table === 'integrity_log_append_keys' ||
    (typeof e.message === 'string' && e.message.includes('integrity_log_append_keys.'))
  ) {
    return integrityErrors.create('LOG_KEY_TAKEN', 'an append key of the batch is already logged', {
      cause: error,
    });
  }
  return forked(firstIndex, undefined, error);
}

function forked(expected: number, stored: number | undefined, cause?: unknown) {
  return integrityErrors.create(
    'LOG_FORKED',
    `the sequencer expected ${expected} entries but the store ${stored === undefined ? 'already holds a later entry' : `holds ${stored}`}`,
    cause === undefined ? {} : { cause },
  );
}

/** Entries longer than this (UTF-16 code units) are inserted on their own (`insertEntries`). */
const LARGE_ENTRY_CHARS = 4096;

/** The embedded log store (SQLite, WAL fsynced at each commit: a committed batch is on disk). */
export class SqliteLogStore extends KyselyLogStore {
  protected readonly rowsPerStatement = 2000;

  /**
   * Small entries go in one statement through json_each (its text does not depend on how many);
   * a large one (a group of decisions runs to hundreds of KB) is bound as it is, since quoting it
   * into JSON and parsing it back cost more than the insert.
   */
  protected async insertEntries(trx: Transaction<IntegrityTables>, rows: readonly EntryRow[]): Promise<void> {
    const small: EntryRow[] = [];
    for (const row of rows) {
      if (row.entry.length <= LARGE_ENTRY_CHARS) small.push(row);
      else
        await sql`insert into integrity_log_entries (idx, entry, leaf_hash, nodes)
          values (${row.idx}, ${row.entry}, ${row.leafHash}, ${row.nodes})`.execute(trx);
    }
    if (small.length === 0) return;
    const json = JSON.stringify(
      small.map((row) => [
        row.idx,
        row.entry,
        row.leafHash.toString('hex'),
        row.nodes?.toString('hex') ?? null,
      ]),
    );
    await sql`insert into integrity_log_entries (idx, entry, leaf_hash, nodes)
      select value ->> 0, value ->> 1, unhex(value ->> 2), unhex(value ->> 3) from json_each(${json})`.execute(
      trx,
    );
  }

  protected async readRows(indices: readonly number[]) {
    const { rows } = await sql<{ idx: number; leaf_hash: Buffer; nodes: Buffer | null }>`
      select idx, leaf_hash, nodes from integrity_log_entries
      where idx in (select value from json_each(${JSON.stringify(indices)}))`.execute(this.db);
    return rows;
  }

  protected async findInBlocks(hash: Buffer, blocks: number, below: number): Promise<number | undefined> {
    const { rows } = await sql<{ idx: number | null }>`
      with recursive b(n) as (select 0 union all select n + 1 from b where n + 1 < ${blocks})
      select min(idx) as idx from integrity_log_leaf_index
      where block in (select n from b) and leaf_hash = ${hash} and idx < ${below}`.execute(this.db);
    const idx = rows[0]?.idx;
    return idx === null || idx === undefined ? undefined : Number(idx);
  }
}

/**
 * The distributed log store (PostgreSQL). A hand-over and its integration each notify (in the same
 * statement, so no extra round trip; delivered when it commits) on `LOG_CHANNELS`, so the sequencer
 * and the waiting replica learn of them at once rather than at their next poll.
 */
export class PostgresLogStore extends KyselyLogStore {
  protected readonly rowsPerStatement = 4000;

  /**
   * A batch of the usual size in ONE statement (autocommit): the size check and every write are
   * data-modifying CTEs guarded by the check, so the batch is written whole or not at all. As a
   * transaction (BEGIN, size, entries, keys, pending, checkpoint, COMMIT) it took up to seven round
   * trips, and the sequencer's next batch waited for all of them. Larger batches take that path.
   */
  override async commit(batch: LogBatch): Promise<void> {
    const keyed = batch.entries.flatMap((e, i) =>
      e.key === null ? [] : [[e.key, batch.firstIndex + i] as const],
    );
    if (
      batch.entries.length > this.rowsPerStatement ||
      keyed.length > this.rowsPerStatement ||
      batch.pendingIds.length > 1000
    ) {
      return super.commit(batch);
    }
    const completed = nodesByLeaf(batch.nodes);
    const checkpoint = batch.checkpoint;
    let stored: number;
    try {
      const { rows } = await sql<{ size: string | number }>`
        with stored as (select coalesce(max(idx) + 1, 0) as size from integrity_log_entries),
        go as (select 1 from stored where size = ${batch.firstIndex}::bigint),
        entries as (
          insert into integrity_log_entries (idx, entry, leaf_hash, nodes)
          select ${batch.firstIndex}::bigint + t.ord - 1, t.e, decode(t.h, 'hex'), decode(t.n, 'hex')
          from unnest(${batch.entries.map((e) => e.entry)}::text[],
            ${batch.entries.map((e) => buffer(e.leafHash).toString('hex'))}::text[],
            ${batch.entries.map((_, i) => completed.get(batch.firstIndex + i)?.toString('hex') ?? null)}::text[])
            with ordinality as t(e, h, n, ord)
          where exists (select 1 from go)
          returning 1),
        keys as (
          insert into integrity_log_append_keys (append_key, idx)
          select k.append_key, k.idx from unnest(${keyed.map(([key]) => key)}::text[],
            ${keyed.map(([, idx]) => idx)}::bigint[]) as k(append_key, idx)
          where exists (select 1 from go)
          returning 1),
        removed as (
          delete from integrity_log_pending
          where id = any(${batch.pendingIds}::bigint[]) and exists (select 1 from go)
          returning 1),
        checkpoint as (
          insert into integrity_log_checkpoints (size, root, note, signed_ms)
          select ${checkpoint?.size ?? 0}::bigint, ${checkpoint ? buffer(checkpoint.root) : Buffer.alloc(0)}::bytea,
            ${checkpoint?.note ?? ''}::text, ${checkpoint?.signedMs ?? 0}::bigint
          where ${checkpoint !== undefined}::boolean and exists (select 1 from go)
          on conflict (size) do nothing
          returning 1)
        select (select size from stored) as size,
          (select count(*) from (
            select pg_notify(${LOG_CHANNELS.integrated}, '') where exists (select 1 from removed)) n)
            as notified`.execute(this.db);
      stored = Number(rows[0]!.size);
    } catch (error) {
      throw refusal(error, batch.firstIndex);
    }
    if (stored !== batch.firstIndex) throw forked(batch.firstIndex, stored);
  }

  override async addPending(key: string, entry: string, acceptedMs: number): Promise<void> {
    await sql`with added as (
        insert into integrity_log_pending (append_key, entry, accepted_ms) values (${key}, ${entry}, ${acceptedMs})
        on conflict (append_key) do nothing returning 1)
      select pg_notify(${LOG_CHANNELS.pending}, '') from added`.execute(this.db);
  }

  protected override async removePending(trx: Transaction<IntegrityTables>, ids: readonly number[]) {
    await sql`with removed as (delete from integrity_log_pending where id = any(${ids}::bigint[]) returning 1)
      select pg_notify(${LOG_CHANNELS.integrated}, '') where exists (select 1 from removed)`.execute(trx);
  }

  protected async insertEntries(trx: Transaction<IntegrityTables>, rows: readonly EntryRow[]): Promise<void> {
    await sql`insert into integrity_log_entries (idx, entry, leaf_hash, nodes)
      select ${rows[0]!.idx}::bigint + t.ord - 1, t.e, decode(t.h, 'hex'), decode(t.n, 'hex')
      from unnest(${rows.map((r) => r.entry)}::text[], ${rows.map((r) => r.leafHash.toString('hex'))}::text[],
        ${rows.map((r) => r.nodes?.toString('hex') ?? null)}::text[]) with ordinality as t(e, h, n, ord)`.execute(
      trx,
    );
  }

  protected async readRows(indices: readonly number[]) {
    const { rows } = await sql<{ idx: number; leaf_hash: Buffer; nodes: Buffer | null }>`
      select idx, leaf_hash, nodes from integrity_log_entries where idx = any(${indices}::bigint[])`.execute(
      this.db,
    );
    return rows;
  }

  protected async findInBlocks(hash: Buffer, blocks: number, below: number): Promise<number | undefined> {
    const { rows } = await sql<{ idx: number | null }>`
      select min(idx) as idx from integrity_log_leaf_index
      where block = any(array(select generate_series(0, ${blocks - 1}::bigint))) and leaf_hash = ${hash}
        and idx < ${below}`.execute(this.db);
    const idx = rows[0]?.idx;
    return idx === null || idx === undefined ? undefined : Number(idx);
  }
}

interface EntryRow {
  readonly idx: number;
  readonly entry: string;
  readonly leafHash: Buffer;
  readonly nodes: Buffer | null;
}

/** Picks the store for a database's dialect. */
export function createLogStore(database: Database): LogStore {
  return database.dialect === 'postgres' ? new PostgresLogStore(database) : new SqliteLogStore(database);
}
