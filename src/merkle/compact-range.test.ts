import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { appendLeaves, CompactRange, frontierNodeIds } from './compact-range.js';
import { merkleErrors } from './errors.js';
import { EMPTY_ROOT, hashLeaf, toHex } from './hash-rfc6962.js';
import { MemoryNodeStore } from './memory-node-store.js';
import { treeRoot } from './node-reader.js';
import { ReferenceTree } from './reference-tree.js';
import { nodeCoverage, nodeKey, popCount, rangeNodes } from './tree-math.js';

const leafData = (i: number) => new TextEncoder().encode(`entry ${i}`);

describe('CompactRange', () => {
  test('emits every complete subtree exactly once, each equal to the MTH of the leaves it covers', () => {
    const n = 77;
    const reference = new ReferenceTree();
    const range = CompactRange.empty();
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      reference.append(leafData(i));
      const writes = range.appendAll([hashLeaf(leafData(i))]);
      for (const { id, hash } of writes) {
        assert.ok(!seen.has(nodeKey(id)), `node ${nodeKey(id)} written twice`);
        seen.add(nodeKey(id));
        const { begin, end } = nodeCoverage(id);
        assert.ok(end <= i + 1, 'a node is only written once complete');
        assert.equal(
          toHex(hash),
          toHex(new ReferenceTree(Array.from({ length: end - begin }, (_, k) => leafData(begin + k))).root()),
        );
      }
    }
    // A tree of n leaves has 2n - popcount(n) complete subtrees.
    assert.equal(seen.size, 2 * n - popCount(n));
  });

  test('frontier ids and hashes describe the tree; resuming from a frontier gives the same roots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (first, more) => {
        const all = CompactRange.empty();
        for (let i = 0; i < first; i++) all.append(hashLeaf(leafData(i)));
        const frontier = all.frontier();
        assert.equal(frontier.hashes.length, frontierNodeIds(first).length);
        const resumed = CompactRange.fromFrontier(frontier);
        const batch = Array.from({ length: more }, (_, k) => hashLeaf(leafData(first + k)));
        const pure = appendLeaves(frontier, batch);
        resumed.appendAll(batch);
        all.appendAll(batch);
        assert.equal(resumed.size, first + more);
        assert.equal(toHex(resumed.root()), toHex(all.root()));
        assert.equal(toHex(pure.root), toHex(all.root()));
        assert.equal(pure.frontier.size, first + more);
      }),
      { numRuns: 60 },
    );
  });

  test('a store fed by the appender answers the same root at every size', () => {
    const store = new MemoryNodeStore();
    const range = CompactRange.empty();
    for (let i = 0; i < 130; i++) {
      store.putAll(range.appendAll([hashLeaf(leafData(i))]));
      assert.equal(toHex(treeRoot(store, range.size)), toHex(range.root()));
    }
    assert.equal(toHex(CompactRange.empty().root()), toHex(EMPTY_ROOT));
  });

  test('fromFrontier rejects a frontier that does not fit its size', () => {
    const hash = hashLeaf(leafData(0));
    assert.throws(
      () => CompactRange.fromFrontier({ size: 3, hashes: [hash] }),
      (e) => merkleErrors.is(e, 'LOG_FRONTIER_INVALID'),
    );
    assert.throws(
      () => CompactRange.fromFrontier({ size: 1, hashes: [hash.subarray(2)] }),
      (e) => merkleErrors.is(e, 'LOG_FRONTIER_INVALID'),
    );
    assert.throws(
      () => CompactRange.fromFrontier({ size: -1, hashes: [] }),
      (e) => merkleErrors.is(e, 'LOG_RANGE_INVALID'),
    );
  });
});

describe('rangeNodes', () => {
  test('covers [begin, end) exactly with aligned complete subtrees', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 20 }), (begin, width) => {
        const nodes = rangeNodes(begin, begin + width);
        let at = begin;
        for (const node of nodes) {
          const { begin: b, end: e } = nodeCoverage(node);
          assert.equal(b, at);
          assert.ok(Number.isInteger(node.index));
          at = e;
        }
        assert.equal(at, begin + width);
      }),
    );
  });

  test('for a prefix [0, n) there is one node per set bit, largest first', () => {
    assert.deepEqual(rangeNodes(0, 13), [
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    assert.equal(rangeNodes(0, 2 ** 53 - 1).length, 53);
  });
});
