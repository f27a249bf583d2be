import { EMPTY_ROOT, type Hash, hashChildren, hashEquals, isHash } from './hash-rfc6962.js';

// RFC 9162 §2.1.3.2 and §2.1.4.2, with shifts written as integer division so sizes up to 2^53 work.
function half(n: number): number {
  return Math.floor(n / 2);
}

function validSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * The root an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1–4), or undefined when the proof
 * has the wrong shape for (index, size).
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Hash,
  proof: readonly Hash[],
): Hash | undefined {
  if (!validSize(index) || !validSize(size) || index >= size) return undefined;
  if (!isHash(leafHash) || !proof.every(isHash)) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/** True when `proof` shows `leafHash` is leaf `index` of the tree of `size` leaves with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  return computed !== undefined && isHash(root) && hashEquals(computed, root);
}

/**
 * True when `proof` shows the tree of `size1` leaves with `root1` is a prefix of the tree of `size2`
 * leaves with `root2` (RFC 9162 §2.1.4.2). Equal sizes need equal roots and an empty proof; size 0
 * needs root1 to be the empty-tree root and an empty proof.
 * @example
 * if (!verifyConsistency(old.size, cp.size, proof, old.root, cp.root)) throw new Error('log forked');
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): boolean {
  if (!validSize(size1) || !validSize(size2) || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  // Every tree extends the empty one; but a second tree of size 0 must itself be empty.
  if (size1 === 0)
    return (
      proof.length === 0 && hashEquals(root1, EMPTY_ROOT) && (size2 > 0 || hashEquals(root2, EMPTY_ROOT))
    );
  if (size1 === size2) return proof.length === 0 && hashEquals(root1, root2);
  if (proof.length === 0) return false;
  const path = isPowerOfTwoSize(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashEquals(fr, root1) && hashEquals(sr, root2);
}

function isPowerOfTwoSize(n: number): boolean {
  let x = n;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
