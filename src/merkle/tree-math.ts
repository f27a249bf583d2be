import { merkleErrors } from './errors.js';

/**
 * A complete (perfect) subtree: the node at `level` (0 = leaves) and position `index` in that level,
 * covering leaves [index·2^level, (index+1)·2^level). Stores key their node tables on it.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Half-open range of leaf indices [begin, end). */
export interface LeafRange {
  readonly begin: number;
  readonly end: number;
}

const TWO_32 = 2 ** 32;

/** Map key of a node id, `"<level>/<index>"`; what NodeReader maps are keyed by. */
export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** Leaves covered by a node. */
export function nodeCoverage(id: NodeId): LeafRange {
  const width = 2 ** id.level;
  return { begin: id.index * width, end: (id.index + 1) * width };
}

/** Throws LOG_RANGE_INVALID unless `n` is a safe non-negative integer. */
export function assertTreeSize(n: number, what = 'tree size'): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw merkleErrors.create('LOG_RANGE_INVALID', `${what} must be a non-negative safe integer, got ${n}`);
  }
}

/** Number of bits needed to write `n` (0 for 0). Works up to 2^53. */
export function bitLength(n: number): number {
  if (n < TWO_32) return 32 - Math.clz32(n);
  return 32 + bitLength(Math.floor(n / TWO_32));
}

/** Number of trailing zero bits of `n` > 0. */
export function trailingZeros(n: number): number {
  let count = 0;
  let x = n;
  while (x % 2 === 0) {
    x /= 2;
    count++;
  }
  return count;
}

/** Number of set bits of `n`: how many complete subtrees make up a tree of size `n`. */
export function popCount(n: number): number {
  let count = 0;
  let x = n;
  while (x > 0) {
    count += x % 2;
    x = Math.floor(x / 2);
  }
  return count;
}

/** True when `n` is 2^k for some k ≥ 0. */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** (bitLength(n) - 1) === n;
}

/** RFC 6962's split point: the largest power of two strictly less than `n` (n ≥ 2). */
export function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/**
 * The complete subtrees that exactly cover [begin, end), left to right, each as large as alignment
 * allows. For a range that is itself an RFC 6962 subtree (begin aligned to a power of two ≥ its width,
 * e.g. [0, n)), levels strictly decrease and the subtree's hash is the right fold of these nodes.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let at = begin;
  while (at < end) {
    const fit = bitLength(end - at) - 1;
    const level = at === 0 ? fit : Math.min(trailingZeros(at), fit);
    const width = 2 ** level;
    out.push({ level, index: at / width });
    at += width;
  }
  return out;
}
