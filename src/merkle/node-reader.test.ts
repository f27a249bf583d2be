import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactRange } from './compact-range.js';
import { merkleErrors } from './errors.js';
import { hashLeaf, toHex } from './hash-rfc6962.js';
import { MemoryNodeStore } from './memory-node-store.js';
import {
  type AsyncNodeReader,
  type NodeReader,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
  treeRoot,
  treeRootAsync,
} from './node-reader.js';
import { planInclusion } from './proof-plan.js';
import type { NodeId } from './tree-math.js';

const store = new MemoryNodeStore();
const range = CompactRange.empty();
for (let i = 0; i < 1000; i++) store.putAll(range.appendAll([hashLeaf(`leaf ${i}`)]));

/** Wraps a store, counting calls and nodes as a SQL driver would count queries and rows. */
function counting(inner: NodeReader) {
  const stats = { calls: 0, nodes: 0 };
  const reader: NodeReader = {
    readNodes(ids: readonly NodeId[]) {
      stats.calls++;
      stats.nodes += ids.length;
      return inner.readNodes(ids);
    },
  };
  return { reader, stats };
}

describe('node readers', () => {
  test('each proof or root is one read of O(log n) nodes', () => {
    const { reader, stats } = counting(store);
    proveInclusion(reader, 421, 999);
    assert.deepEqual(stats.calls, 1);
    assert.ok(stats.nodes <= 20, `${stats.nodes} nodes`);
    proveConsistency(reader, 333, 1000);
    treeRoot(reader, 1000);
    assert.equal(stats.calls, 3);
  });

  test('async readers give the same proofs', async () => {
    const asyncReader: AsyncNodeReader = { readNodes: async (ids) => store.readNodes(ids) };
    assert.deepEqual(
      (await proveInclusionAsync(asyncReader, 5, 700)).map(toHex),
      proveInclusion(store, 5, 700).map(toHex),
    );
    assert.deepEqual(
      (await proveConsistencyAsync(asyncReader, 64, 700)).map(toHex),
      proveConsistency(store, 64, 700).map(toHex),
    );
    assert.equal(toHex(await treeRootAsync(asyncReader, 700)), toHex(treeRoot(store, 700)));
    assert.equal(toHex(await treeRootAsync(asyncReader, 1000)), toHex(range.root()));
  });

  test('a missing node or an out-of-range request is an error, not a wrong proof', () => {
    const plan = planInclusion(10, 1000);
    const missing = plan.nodes[1]!;
    const holey: NodeReader = {
      readNodes: (ids) =>
        new Map([...store.readNodes(ids)].filter(([key]) => key !== `${missing.level}/${missing.index}`)),
    };
    assert.throws(
      () => proveInclusion(holey, 10, 1000),
      (e) => merkleErrors.is(e, 'LOG_NODE_MISSING'),
    );
    assert.throws(
      () => proveInclusion(store, 1000, 1000),
      (e) => merkleErrors.is(e, 'LOG_RANGE_INVALID'),
    );
    assert.throws(
      () => proveConsistency(store, 11, 10),
      (e) => merkleErrors.is(e, 'LOG_RANGE_INVALID'),
    );
    assert.throws(
      () => treeRoot(store, 1001),
      (e) => merkleErrors.is(e, 'LOG_NODE_MISSING'),
    );
    assert.throws(
      () => treeRoot(store, -1),
      (e) => merkleErrors.is(e, 'LOG_RANGE_INVALID'),
    );
  });
});
