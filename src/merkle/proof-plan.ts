import { merkleErrors } from './errors.js';
import { EMPTY_ROOT, type Hash, hashChildren } from './hash-rfc6962.js';
import { assertTreeSize, type LeafRange, type NodeId, nodeKey, rangeNodes, splitPoint } from './tree-math.js';

/**
 * What a store must read to answer a proof or a root, before any hashing: one entry per proof hash,
 * each the complete-subtree nodes whose right fold is that hash (one node, except for the single
 * subtree on the tree's ragged right edge). `nodes` lists every node once, so a SQL store can fetch
 * them all in one `WHERE (level, idx) IN (…)` query. Sizes are O(log n).
 */
export interface ProofPlan {
  readonly elements: readonly (readonly NodeId[])[];
  readonly nodes: readonly NodeId[];
}

/** Returns the stored hash of a complete subtree, or undefined when the store lacks it. */
export type NodeLookup = (id: NodeId) => Hash | undefined;

/** Stored node hashes keyed by `nodeKey(id)`, as a store returns them for a plan. */
export type NodeMap = ReadonlyMap<string, Hash>;

function planOf(ranges: readonly LeafRange[]): ProofPlan {
  const elements = ranges.map((r) => rangeNodes(r.begin, r.end));
  return { elements, nodes: elements.flat() };
}

/** Plan for the root hash of a tree of `size` leaves: one element, or none for the empty tree. */
export function planRoot(size: number): ProofPlan {
  assertTreeSize(size);
  return planOf(size === 0 ? [] : [{ begin: 0, end: size }]);
}

/** Leaf ranges whose MTHs form RFC 6962 PATH(index, D[0:size]), leaf side first. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  assertTreeSize(size);
  assertTreeSize(index, 'leaf index');
  if (index >= size) {
    throw merkleErrors.create('LOG_RANGE_INVALID', `leaf index ${index} is not below tree size ${size}`);
  }
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  // Walk from the root down, then reverse: PATH lists siblings from the leaf upwards.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index - lo < k) {
      out.push({ begin: lo + k, end: hi });
      hi = lo + k;
    } else {
      out.push({ begin: lo, end: lo + k });
      lo += k;
    }
  }
  return out.reverse();
}

/** Leaf ranges whose MTHs form RFC 6962 PROOF(size1, D[0:size2]) (empty when size1 is 0 or size2). */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  assertTreeSize(size1);
  assertTreeSize(size2);
  if (size1 > size2) {
    throw merkleErrors.create('LOG_RANGE_INVALID', `first size ${size1} exceeds second size ${size2}`);
  }
  const out: LeafRange[] = [];
  if (size1 === 0 || size1 === size2) return out;
  let lo = 0;
  let hi = size2;
  let m = size1;
  let whole = true; // SUBPROOF's b: true while [lo, lo+m) is still the verifier's own old root.
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      out.push({ begin: lo + k, end: hi });
      hi = lo + k;
    } else {
      out.push({ begin: lo, end: lo + k });
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) out.push({ begin: lo, end: hi });
  return out.reverse();
}

/** Plan for an inclusion proof of leaf `index` in the tree of `size` leaves. */
export function planInclusion(index: number, size: number): ProofPlan {
  return planOf(inclusionRanges(index, size));
}

/** Plan for a consistency proof from tree size `size1` to `size2`. */
export function planConsistency(size1: number, size2: number): ProofPlan {
  return planOf(consistencyRanges(size1, size2));
}

/** Right fold of complete-subtree hashes: the RFC 6962 MTH of the range they cover. */
export function foldRight(hashes: readonly Hash[]): Hash {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) throw new RangeError('foldRight: no hashes');
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i]!, acc);
  return acc;
}

function lookupOf(nodes: NodeMap | NodeLookup): NodeLookup {
  return typeof nodes === 'function' ? nodes : (id) => nodes.get(nodeKey(id));
}

/**
 * Turns a plan and the fetched nodes into the proof's hashes, in proof order.
 * Throws LOG_NODE_MISSING when a planned node was not supplied.
 */
export function assembleProof(plan: ProofPlan, nodes: NodeMap | NodeLookup): Hash[] {
  const lookup = lookupOf(nodes);
  return plan.elements.map((element) =>
    foldRight(
      element.map((id) => {
        const hash = lookup(id);
        if (hash === undefined) {
          throw merkleErrors.create('LOG_NODE_MISSING', `node ${nodeKey(id)} is not stored`, {
            details: { level: id.level, index: id.index },
          });
        }
        return hash;
      }),
    ),
  );
}

/** The root hash from a `planRoot` plan and its fetched nodes (EMPTY_ROOT for size 0). */
export function assembleRoot(plan: ProofPlan, nodes: NodeMap | NodeLookup): Hash {
  return assembleProof(plan, nodes)[0] ?? EMPTY_ROOT;
}
