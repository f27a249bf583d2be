import type { AsyncNodeReader, Hash, NodeWrite } from '../../merkle/index.js';

/** One stored leaf: its index, its canonical entry text (the leaf bytes) and its leaf hash. */
export interface StoredEntry {
  readonly index: number;
  readonly entry: string;
  readonly leafHash: Hash;
}

/** A signed tree head as stored: the note is the C2SP signed note, exactly as served and exported. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Hash;
  readonly note: string;
  readonly signedMs: number;
}

/** An append accepted by a replica that is not the sequencer, waiting to be integrated. */
export interface PendingAppend {
  readonly id: number;
  readonly key: string;
  readonly entry: string;
}

/** Where an append key's entry landed. */
export interface KeyedReceipt {
  readonly index: number;
  readonly leafHash: Hash;
}

/** Everything one group commit writes, in one transaction. */
export interface LogBatch {
  /** Index of the first new entry: the tree size the sequencer believes the store has. */
  readonly firstIndex: number;
  readonly entries: readonly {
    readonly entry: string;
    readonly leafHash: Hash;
    readonly key: string | null;
  }[];
  /**
   * Complete subtrees of level ≥ 1 the entries complete (level 0 is the entries' leaf hashes); every
   * one must be completed by an entry of this batch.
   */
  readonly nodes: readonly NodeWrite[];
  /** Pending appends this batch integrates (or found already integrated): deleted with the batch. */
  readonly pendingIds: readonly number[];
  readonly checkpoint?: StoredCheckpoint;
}

/**
 * The log's storage (Tessera's "storage driver"): entries, the complete-subtree nodes, signed
 * checkpoints, the hand-off table of replicas that are not the sequencer, and a little metadata.
 * Only the sequencer calls `commit`; everything else is safe from any replica. Node reads answer
 * a whole proof plan in one query, so a proof costs O(log n) reads at any size.
 */
export interface LogStore extends AsyncNodeReader {
  /** Number of entries stored (the next index). */
  size(): Promise<number>;
  /**
   * Writes a batch atomically. Throws LOG_FORKED, writing nothing, when `firstIndex` is not the
   * stored size (another sequencer wrote meanwhile), and LOG_KEY_TAKEN, writing nothing, when an
   * entry's key is already stored (the sequencer does not look keys up before it commits).
   */
  commit(batch: LogBatch): Promise<void>;
  /** Stores a checkpoint unless one of that size exists. */
  addCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Checkpoints with `from ≤ size ≤ to`, by size, at most `limit`. */
  checkpoints(from: number, to: number, limit: number): Promise<StoredCheckpoint[]>;
  /** Entries with `start ≤ index < end`, in order. */
  entries(start: number, end: number): Promise<StoredEntry[]>;
  entry(index: number): Promise<StoredEntry | undefined>;
  /** Lowest index below `size` whose leaf hash is `leafHash`. */
  indexOfLeafHash(leafHash: Hash, size: number): Promise<number | undefined>;
  /**
   * Adds the next whole block of entries to the leaf-hash index (in hash order, one transaction) and
   * returns how many entries it added (0 when no whole block is waiting). Lookups scan the tail the
   * index does not cover yet.
   */
  indexLeaves(): Promise<number>;
  /** How many entries, from index 0, the leaf-hash index covers. */
  leafIndexedSize(): Promise<number>;
  /** Receipts of the given append keys that are integrated. */
  findKeys(keys: readonly string[]): Promise<Map<string, KeyedReceipt>>;
  /** Durably queues an append for the sequencer; a key already queued is left as it is. */
  addPending(key: string, entry: string, acceptedMs: number): Promise<void>;
  /** The oldest pending appends. */
  pendingAppends(limit: number): Promise<PendingAppend[]>;
  /** Stores `value` under `name` unless a value is there; returns the value stored. */
  metaIfAbsent(name: string, value: string): Promise<string>;
  meta(name: string): Promise<string | undefined>;
  /** Remembers verifier keys that sign checkpoints (so exports list every key that ever signed). */
  recordKeys(vkeys: readonly string[], nowMs: number): Promise<void>;
  /** Every verifier key recorded, oldest first. */
  knownKeys(): Promise<string[]>;
  /** Stored nodes of level ≥ 1 completed by leaves in [start, end), for the export's self-check. */
  nodesCompletedIn(start: number, end: number): Promise<NodeWrite[]>;
}
