import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CompactRange } from './compact-range.js';
import { type Hash, hashLeaf, sha256, toHex } from './hash-rfc6962.js';
import { MemoryNodeStore } from './memory-node-store.js';
import { proveConsistency, proveInclusion, treeRoot } from './node-reader.js';
import { planConsistency, planInclusion, planRoot } from './proof-plan.js';
import { verifyConsistency, verifyInclusion } from './proof-verify.js';
import { ReferenceTree } from './reference-tree.js';
import { bitLength } from './tree-math.js';

const MAX = 200;

// One tree of MAX leaves serves every size: a prefix of the log is the log at that size.
const leaves = Array.from({ length: MAX }, (_, i) => new TextEncoder().encode(`leaf-${i}`));
const reference = new ReferenceTree(leaves);
const store = new MemoryNodeStore();
const range = CompactRange.empty();
const roots: Hash[] = [range.root()];
for (const leaf of leaves) {
  range.append(hashLeaf(leaf), (id, hash) => store.put(id, hash));
  roots.push(range.root());
}

const sizeAndIndex = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }) }));
const twoSizes = fc
  .tuple(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: MAX }))
  .map(([a, b]) => ({ size1: Math.min(a, b), size2: Math.max(a, b) }));

function flipBit(proof: readonly Hash[], element: number, bit: number): Hash[] {
  return proof.map((hash, i) => {
    if (i !== element) return hash;
    const copy = new Uint8Array(hash);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    return copy;
  });
}

const junk = sha256(new TextEncoder().encode('junk'));

describe('proof properties against the RFC reference tree', () => {
  test('stored roots equal the recursive MTH for every size', () => {
    for (let size = 0; size <= MAX; size++) {
      assert.equal(toHex(treeRoot(store, size)), toHex(reference.root(size)));
      assert.equal(toHex(roots[size]!), toHex(reference.root(size)));
    }
  });

  test('inclusion proofs from stored nodes equal PATH and verify', () => {
    fc.assert(
      fc.property(sizeAndIndex, ({ size, index }) => {
        const proof = proveInclusion(store, index, size);
        assert.deepEqual(proof.map(toHex), reference.inclusionProof(index, size).map(toHex));
        assert.ok(verifyInclusion(index, size, hashLeaf(leaves[index]!), proof, roots[size]!));
      }),
      { numRuns: 500 },
    );
  });

  test('consistency proofs from stored nodes equal PROOF and verify', () => {
    fc.assert(
      fc.property(twoSizes, ({ size1, size2 }) => {
        const proof = proveConsistency(store, size1, size2);
        assert.deepEqual(proof.map(toHex), reference.consistencyProof(size1, size2).map(toHex));
        assert.ok(verifyConsistency(size1, size2, proof, roots[size1]!, roots[size2]!));
      }),
      { numRuns: 500 },
    );
  });

  test('every corrupted inclusion proof fails: bit flip, wrong leaf/index/size/root, truncated, extended', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ size, index }, pick, bit) => {
        const leaf = hashLeaf(leaves[index]!);
        const root = roots[size]!;
        const proof = proveInclusion(store, index, size);
        const bad: [string, boolean][] = [
          ['index - 1', verifyInclusion(index - 1, size, leaf, proof, root)],
          ['index + 1', verifyInclusion(index + 1, size, leaf, proof, root)],
          ['index ^ 2', verifyInclusion(index ^ 2, size, leaf, proof, root)],
          ['size * 2', verifyInclusion(index, size * 2, leaf, proof, root)],
          ['size / 2', verifyInclusion(index, Math.floor(size / 2), leaf, proof, root)],
          ['other leaf', verifyInclusion(index, size, hashLeaf(leaves[(index + 1) % MAX]!), proof, root)],
          ['other root', verifyInclusion(index, size, leaf, proof, roots[size - 1]!)],
          ['extended', verifyInclusion(index, size, leaf, [...proof, junk], root)],
          ['extended by root', verifyInclusion(index, size, leaf, [...proof, root], root)],
          ['prepended', verifyInclusion(index, size, leaf, [junk, ...proof], root)],
        ];
        if (proof.length > 0) {
          const element = pick % proof.length;
          bad.push(['bit flip', verifyInclusion(index, size, leaf, flipBit(proof, element, bit), root)]);
          bad.push(['truncated', verifyInclusion(index, size, leaf, proof.slice(0, -1), root)]);
          bad.push(['first dropped', verifyInclusion(index, size, leaf, proof.slice(1), root)]);
          bad.push([
            'short element',
            verifyInclusion(index, size, leaf, [proof[0]!.subarray(1), ...proof.slice(1)], root),
          ]);
        }
        for (const [what, verified] of bad)
          assert.equal(verified, false, `${what} (index ${index}, size ${size})`);
      }),
      { numRuns: 500 },
    );
  });

  test('every corrupted consistency proof fails: bit flip, wrong sizes or roots, truncated, extended', () => {
    const nonTrivial = twoSizes.filter(({ size1, size2 }) => size1 > 0 && size1 < size2);
    fc.assert(
      fc.property(nonTrivial, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ size1, size2 }, pick, bit) => {
        const root1 = roots[size1]!;
        const root2 = roots[size2]!;
        const proof = proveConsistency(store, size1, size2);
        const element = pick % proof.length;
        const bad: [string, boolean][] = [
          ['size1 - 1', verifyConsistency(size1 - 1, size2, proof, root1, root2)],
          ['size1 + 1', verifyConsistency(size1 + 1, size2, proof, root1, root2)],
          ['size1 ^ 2', verifyConsistency(size1 ^ 2, size2, proof, root1, root2)],
          ['size2 * 2', verifyConsistency(size1, size2 * 2, proof, root1, root2)],
          ['size2 / 2', verifyConsistency(size1, Math.floor(size2 / 2), proof, root1, root2)],
          ['swapped roots', verifyConsistency(size1, size2, proof, root2, root1)],
          ['other root1', verifyConsistency(size1, size2, proof, roots[size1 - 1]!, root2)],
          ['other root2', verifyConsistency(size1, size2, proof, root1, roots[size2 - 1]!)],
          ['empty proof', verifyConsistency(size1, size2, [], root1, root2)],
          ['extended', verifyConsistency(size1, size2, [...proof, junk], root1, root2)],
          ['extended by root2', verifyConsistency(size1, size2, [...proof, root2], root1, root2)],
          ['prepended', verifyConsistency(size1, size2, [junk, ...proof], root1, root2)],
          ['prepended proof[0]', verifyConsistency(size1, size2, [proof[0]!, ...proof], root1, root2)],
          ['truncated', verifyConsistency(size1, size2, proof.slice(0, -1), root1, root2)],
          ['bit flip', verifyConsistency(size1, size2, flipBit(proof, element, bit), root1, root2)],
        ];
        for (const [what, verified] of bad) assert.equal(verified, false, `${what} (${size1} → ${size2})`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('proof plans stay O(log n) at any size', () => {
  const huge = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

  test('inclusion and root plans read at most 2·log2(n) nodes', () => {
    fc.assert(
      fc.property(huge, fc.double({ min: 0, max: 1, noNaN: true }), (size, at) => {
        const index = Math.min(size - 1, Math.floor(at * size));
        const bound = 2 * bitLength(size);
        assert.ok(planInclusion(index, size).nodes.length <= bound);
        assert.ok(planRoot(size).nodes.length <= bitLength(size));
        for (const node of planInclusion(index, size).nodes) assert.ok(Number.isSafeInteger(node.index));
      }),
    );
  });

  test('consistency plans read at most 2·log2(n) + 1 nodes', () => {
    fc.assert(
      fc.property(huge, huge, (a, b) => {
        const plan = planConsistency(Math.min(a, b), Math.max(a, b));
        assert.ok(plan.nodes.length <= 2 * bitLength(Math.max(a, b)) + 1, `${plan.nodes.length} nodes`);
      }),
    );
  });
});

describe('proofs at larger random sizes (no oracle: checked against the appender roots)', () => {
  const N = 5000;
  const big = new MemoryNodeStore();
  const bigRange = CompactRange.empty();
  const bigRoots: Hash[] = [bigRange.root()];
  const leafHashes: Hash[] = [];
  for (let i = 0; i < N; i++) {
    const hash = hashLeaf(`big-${i}`);
    leafHashes.push(hash);
    bigRange.append(hash, (id, h) => big.put(id, h));
    bigRoots.push(bigRange.root());
  }

  test('inclusion: good proofs verify, flipped or resized ones do not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: N }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        (size, at, pick) => {
          const index = Math.min(size - 1, Math.floor(at * size));
          const proof = proveInclusion(big, index, size);
          const root = bigRoots[size]!;
          assert.ok(verifyInclusion(index, size, leafHashes[index]!, proof, root));
          if (proof.length > 0) {
            assert.ok(
              !verifyInclusion(
                index,
                size,
                leafHashes[index]!,
                flipBit(proof, pick % proof.length, pick % 256),
                root,
              ),
            );
            assert.ok(!verifyInclusion(index, size, leafHashes[index]!, proof.slice(0, -1), root));
          }
          assert.ok(!verifyInclusion(index, size, leafHashes[index]!, [...proof, junk], root));
          if (size < N)
            assert.ok(!verifyInclusion(index, size + 1, leafHashes[index]!, proof, bigRoots[size + 1]!));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('consistency: good proofs verify, flipped or truncated ones do not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.integer({ min: 1, max: N }), fc.nat(), (a, b, pick) => {
        const size1 = Math.min(a, b);
        const size2 = Math.max(a, b);
        const proof = proveConsistency(big, size1, size2);
        assert.ok(verifyConsistency(size1, size2, proof, bigRoots[size1]!, bigRoots[size2]!));
        if (size1 === size2) return;
        assert.ok(
          !verifyConsistency(
            size1,
            size2,
            flipBit(proof, pick % proof.length, pick % 256),
            bigRoots[size1]!,
            bigRoots[size2]!,
          ),
        );
        assert.ok(!verifyConsistency(size1, size2, proof.slice(0, -1), bigRoots[size1]!, bigRoots[size2]!));
        assert.ok(!verifyConsistency(size1, size2, [...proof, junk], bigRoots[size1]!, bigRoots[size2]!));
        assert.ok(!verifyConsistency(size1 - 1, size2, proof, bigRoots[size1 - 1]!, bigRoots[size2]!));
      }),
      { numRuns: 300 },
    );
  });
});
