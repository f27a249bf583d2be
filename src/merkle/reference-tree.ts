import { EMPTY_ROOT, type Hash, hashChildren, hashLeaf } from './hash-rfc6962.js';
import { splitPoint } from './tree-math.js';

/**
 * RFC 6962 §2.1 written as the recursive definitions, with no storage or shortcuts: the oracle the
 * tests check the O(log n) algorithms against. Quadratic or worse; use for small trees only.
 */
export class ReferenceTree {
  readonly #leaves: Uint8Array[] = [];

  constructor(leaves: Iterable<Uint8Array> = []) {
    for (const leaf of leaves) this.#leaves.push(leaf);
  }

  get size(): number {
    return this.#leaves.length;
  }

  /** Appends one leaf's data (not its hash). */
  append(data: Uint8Array): void {
    this.#leaves.push(data);
  }

  /** Leaf hash of leaf `index`. */
  leafHash(index: number): Hash {
    const leaf = this.#leaves[index];
    if (leaf === undefined) throw new RangeError(`no leaf ${index}`);
    return hashLeaf(leaf);
  }

  /** MTH(D[0:size]). */
  root(size: number = this.size): Hash {
    return this.#mth(0, size);
  }

  /** PATH(index, D[0:size]). */
  inclusionProof(index: number, size: number = this.size): Hash[] {
    if (index < 0 || index >= size || size > this.size) throw new RangeError('index or size out of range');
    return this.#path(index, 0, size);
  }

  /** PROOF(size1, D[0:size2]); empty for size1 0 or size1 = size2. */
  consistencyProof(size1: number, size2: number = this.size): Hash[] {
    if (size1 < 0 || size1 > size2 || size2 > this.size) throw new RangeError('sizes out of range');
    if (size1 === 0 || size1 === size2) return [];
    return this.#subproof(size1, 0, size2, true);
  }

  // MTH(D[lo:hi]).
  #mth(lo: number, hi: number): Hash {
    const n = hi - lo;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return this.leafHash(lo);
    const k = splitPoint(n);
    return hashChildren(this.#mth(lo, lo + k), this.#mth(lo + k, hi));
  }

  // PATH(m, D[lo:hi]) with m absolute.
  #path(m: number, lo: number, hi: number): Hash[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m - lo < k) return [...this.#path(m, lo, lo + k), this.#mth(lo + k, hi)];
    return [...this.#path(m, lo + k, hi), this.#mth(lo, lo + k)];
  }

  // SUBPROOF(m, D[lo:hi], b) with m relative to lo.
  #subproof(m: number, lo: number, hi: number, b: boolean): Hash[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.#mth(lo, hi)];
    const k = splitPoint(n);
    if (m <= k) return [...this.#subproof(m, lo, lo + k, b), this.#mth(lo + k, hi)];
    return [...this.#subproof(m - k, lo + k, hi, false), this.#mth(lo, lo + k)];
  }
}
