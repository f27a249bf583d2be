import type { NodeWrite } from './compact-range.js';
import { merkleErrors } from './errors.js';
import { HASH_SIZE, type Hash, isHash } from './hash-rfc6962.js';
import type { NodeReader } from './node-reader.js';
import type { NodeMap } from './proof-plan.js';
import { type NodeId, nodeKey } from './tree-math.js';

/**
 * In-memory node table: one packed byte array per level (32 bytes a node), so a million-leaf tree
 * takes ~64 MB. The reference store for tests and benches, and a model for real drivers.
 */
export class MemoryNodeStore implements NodeReader {
  readonly #levels: { bytes: Uint8Array; present: Uint8Array }[] = [];

  /** Stores one node's hash (overwrites). */
  put(id: NodeId, hash: Hash): void {
    if (!isHash(hash)) throw merkleErrors.create('LOG_HASH_MALFORMED', 'node hash must be 32 bytes');
    while (this.#levels.length <= id.level)
      this.#levels.push({ bytes: new Uint8Array(0), present: new Uint8Array(0) });
    const level = this.#levels[id.level]!;
    if (id.index >= level.present.length) {
      const capacity = Math.max(id.index + 1, level.present.length * 2, 16);
      const bytes = new Uint8Array(capacity * HASH_SIZE);
      bytes.set(level.bytes);
      const present = new Uint8Array(capacity);
      present.set(level.present);
      level.bytes = bytes;
      level.present = present;
    }
    level.bytes.set(hash, id.index * HASH_SIZE);
    level.present[id.index] = 1;
  }

  /** Stores a batch of nodes, as CompactRange.appendAll returns them. */
  putAll(writes: Iterable<NodeWrite>): void {
    for (const write of writes) this.put(write.id, write.hash);
  }

  /** The stored hash of a node (a view into the table), or undefined. */
  get(id: NodeId): Hash | undefined {
    const level = this.#levels[id.level];
    if (level === undefined || level.present[id.index] !== 1) return undefined;
    return level.bytes.subarray(id.index * HASH_SIZE, (id.index + 1) * HASH_SIZE);
  }

  readNodes(ids: readonly NodeId[]): NodeMap {
    const out = new Map<string, Hash>();
    for (const id of ids) {
      const hash = this.get(id);
      if (hash !== undefined) out.set(nodeKey(id), hash);
    }
    return out;
  }
}
