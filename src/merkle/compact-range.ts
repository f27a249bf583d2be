import { merkleErrors } from './errors.js';
import {
  binaryToHash,
  EMPTY_ROOT,
  HASH_SIZE,
  type Hash,
  hashChildrenBinary,
  hashLeafBinary,
  hashToBinary,
  isHash,
} from './hash-rfc6962.js';
import { assertTreeSize, type NodeId, popCount, rangeNodes } from './tree-math.js';

/** A complete-subtree node to persist: its id and hash. */
export interface NodeWrite {
  readonly id: NodeId;
  readonly hash: Hash;
}

/**
 * The right edge of a tree: the hashes of the complete subtrees covering [0, size), largest first
 * (one per set bit of `size`; their ids are `frontierNodeIds(size)`). All an appender needs to keep.
 */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Hash[];
}

/** Ids of the frontier nodes of a tree of `size` leaves, so a store can load them in one query. */
export function frontierNodeIds(size: number): NodeId[] {
  assertTreeSize(size);
  return rangeNodes(0, size);
}

/**
 * Incremental appender over the frontier ("compact range" of [0, size)). Each appended leaf hash
 * yields the new complete nodes (the leaf itself and every parent it completes), which a store
 * persists with the batch; the root costs popcount(size) − 1 hashes. Memory is O(log size).
 * @example
 * const range = CompactRange.fromFrontier(await store.loadFrontier());
 * const writes = range.appendAll(batch.map((e) => hashLeaf(e)));
 * await store.commit(batch, writes, range.root());
 */
export class CompactRange {
  #size: number;
  // Binary strings (see hash-rfc6962.ts): the appender is the verifier's hot loop.
  readonly #hashes: string[];

  private constructor(size: number, hashes: string[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  /** The empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Resumes from a stored frontier; throws LOG_FRONTIER_INVALID if hashes do not fit the size. */
  static fromFrontier(frontier: Frontier): CompactRange {
    assertTreeSize(frontier.size);
    const expected = popCount(frontier.size);
    if (frontier.hashes.length !== expected || !frontier.hashes.every(isHash)) {
      throw merkleErrors.create(
        'LOG_FRONTIER_INVALID',
        `a tree of size ${frontier.size} needs ${expected} frontier hashes of 32 bytes, got ${frontier.hashes.length}`,
      );
    }
    return new CompactRange(frontier.size, frontier.hashes.map(hashToBinary));
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** A snapshot of the current frontier. */
  frontier(): Frontier {
    return { size: this.#size, hashes: this.#hashes.map(binaryToHash) };
  }

  /**
   * Appends one leaf hash. `onNode`, when given, receives every newly completed node, lowest first
   * (the leaf at level 0, then each parent it completes).
   */
  append(leafHash: Hash, onNode?: (id: NodeId, hash: Hash) => void): void {
    if (!isHash(leafHash)) throw merkleErrors.create('LOG_HASH_MALFORMED', 'leaf hash must be 32 bytes');
    this.#append(hashToBinary(leafHash), onNode);
  }

  /** Appends a leaf given its data (hashed as UTF-8): the fast path for entry text. */
  appendData(data: string, onNode?: (id: NodeId, hash: Hash) => void): void {
    this.#append(hashLeafBinary(data), onNode);
  }

  /** Appends a leaf hash given as a binary string (`hashLeafBinary`), e.g. one hashed in a worker. */
  appendBinary(leafHash: string): void {
    if (leafHash.length !== HASH_SIZE)
      throw merkleErrors.create('LOG_HASH_MALFORMED', 'leaf hash must be 32 bytes');
    this.#append(leafHash, undefined);
  }

  #append(leaf: string, onNode: ((id: NodeId, hash: Hash) => void) | undefined): void {
    const hashes = this.#hashes;
    let index = this.#size;
    let hash = leaf;
    let level = 0;
    onNode?.({ level, index }, binaryToHash(hash));
    // A parent completes for every trailing 1 bit of the new leaf's index.
    while (index % 2 === 1) {
      hash = hashChildrenBinary(hashes.pop()!, hash);
      index = (index - 1) / 2;
      level++;
      onNode?.({ level, index }, binaryToHash(hash));
    }
    hashes.push(hash);
    this.#size++;
  }

  /** Appends leaf hashes in order and returns every node they complete, ready to persist. */
  appendAll(leafHashes: Iterable<Hash>): NodeWrite[] {
    const writes: NodeWrite[] = [];
    const collect = (id: NodeId, hash: Hash) => writes.push({ id, hash });
    for (const leafHash of leafHashes) this.append(leafHash, collect);
    return writes;
  }

  /** RFC 6962 root of the current tree. */
  root(): Hash {
    const hashes = this.#hashes;
    let acc = hashes[hashes.length - 1];
    if (acc === undefined) return EMPTY_ROOT;
    for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildrenBinary(hashes[i]!, acc);
    return binaryToHash(acc);
  }
}

/** Pure batch form: appends `leafHashes` to `frontier` and returns the new frontier, nodes and root. */
export function appendLeaves(
  frontier: Frontier,
  leafHashes: Iterable<Hash>,
): { readonly frontier: Frontier; readonly nodes: NodeWrite[]; readonly root: Hash } {
  const range = CompactRange.fromFrontier(frontier);
  const nodes = range.appendAll(leafHashes);
  return { frontier: range.frontier(), nodes, root: range.root() };
}
