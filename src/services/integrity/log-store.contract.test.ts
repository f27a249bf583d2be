/** The LogStore conformance suite, looped over SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logDialects, type TestDatabase } from '../../../test/support/integrity-databases.js';
import {
  CompactRange,
  generateSignerKey,
  hashLeaf,
  type NodeWrite,
  proveConsistencyAsync,
  proveInclusionAsync,
  ReferenceTree,
  signCheckpoint,
  treeRootAsync,
  verifyConsistency,
  verifyInclusion,
} from '../../merkle/index.js';
import type { LogBatch, LogStore } from './log-store.js';
import { createLogStore } from './sql-log-store.js';
import { LEAF_BLOCK } from './store.js';

const dialects = await logDialects();

function batchOf(range: CompactRange, texts: readonly string[], keys: (string | null)[] = []): LogBatch {
  const firstIndex = range.size;
  const nodes: NodeWrite[] = [];
  const entries = texts.map((entry, i) => {
    const leafHash = hashLeaf(entry);
    range.append(leafHash, (id, hash) => {
      if (id.level > 0) nodes.push({ id, hash });
    });
    return { entry, leafHash, key: keys[i] ?? null };
  });
  return { firstIndex, entries, nodes, pendingIds: [] };
}

const text = (i: number) => `{"payload":${i},"source":"pgc","time":"2026-11-30T05:00:00.000Z","type":"t"}`;

for (const dialect of dialects) {
  describe(`LogStore contract: ${dialect.name}`, { skip: dialect.skip }, () => {
    async function withStore(run: (store: LogStore, db: TestDatabase) => Promise<void>) {
      const db = await dialect.open();
      try {
        await run(createLogStore(db.database), db);
      } finally {
        await db.close();
      }
    }

    test('batches build a tree whose stored nodes answer proofs at every size', async () => {
      await withStore(async (store) => {
        const range = CompactRange.empty();
        const reference = new ReferenceTree();
        let written = 0;
        for (const size of [1, 2, 5, 1, 13, 40]) {
          const texts = Array.from({ length: size }, (_, i) => text(written + i));
          await store.commit(batchOf(range, texts));
          for (const t of texts) reference.append(Buffer.from(t));
          written += size;
        }
        assert.equal(await store.size(), written);
        for (const n of [1, 2, 3, 7, 8, 9, 33, written]) {
          assert.deepEqual(await treeRootAsync(store, n), reference.root(n), `root ${n}`);
          for (const m of [0, Math.floor(n / 2), n - 1]) {
            const proof = await proveInclusionAsync(store, m, n);
            assert.ok(
              verifyInclusion(m, n, hashLeaf(text(m)), proof, reference.root(n)),
              `inclusion ${m}/${n}`,
            );
          }
          const proof = await proveConsistencyAsync(store, Math.ceil(n / 3), n);
          assert.ok(
            verifyConsistency(
              Math.ceil(n / 3),
              n,
              proof,
              reference.root(Math.ceil(n / 3)),
              reference.root(n),
            ),
          );
        }
        const entries = await store.entries(3, 6);
        assert.deepEqual(
          entries.map((e) => e.index),
          [3, 4, 5],
        );
        assert.equal(entries[0]!.entry, text(3));
        assert.equal(
          await store.indexOfLeafHash(hashLeaf(text(17)), written),
          17,
          'found in the unindexed tail',
        );
        assert.equal(await store.indexOfLeafHash(hashLeaf(text(17)), 17), undefined);
        assert.equal(await store.indexOfLeafHash(hashLeaf(text(17)), 17), undefined);
        assert.equal(await store.entry(written), undefined);
      });
    });

    test('the leaf-hash index takes whole blocks; lookups find indexed and unindexed entries alike', async () => {
      await withStore(async (store) => {
        const range = CompactRange.empty();
        const total = 2 * LEAF_BLOCK + 100;
        for (let start = 0; start < total; start += 4096) {
          const texts = Array.from({ length: Math.min(4096, total - start) }, (_, i) => text(start + i));
          await store.commit(batchOf(range, texts));
        }
        assert.equal(await store.indexLeaves(), LEAF_BLOCK);
        assert.equal(await store.indexLeaves(), LEAF_BLOCK);
        assert.equal(await store.indexLeaves(), 0, 'no third whole block yet');
        assert.equal(await store.leafIndexedSize(), 2 * LEAF_BLOCK);
        for (const i of [0, 17, LEAF_BLOCK - 1, LEAF_BLOCK, 2 * LEAF_BLOCK - 1, 2 * LEAF_BLOCK, total - 1])
          assert.equal(await store.indexOfLeafHash(hashLeaf(text(i)), total), i, `entry ${i}`);
        assert.equal(await store.indexOfLeafHash(hashLeaf(text(LEAF_BLOCK + 5)), LEAF_BLOCK + 5), undefined);
        assert.equal(await store.indexOfLeafHash(hashLeaf('not in the log'), total), undefined);
      });
    });

    test('a batch at the wrong index is refused as LOG_FORKED and writes nothing', async () => {
      await withStore(async (store) => {
        const range = CompactRange.empty();
        await store.commit(batchOf(range, [text(0), text(1)]));
        const stale = CompactRange.empty();
        await assert.rejects(store.commit(batchOf(stale, [text(9)])), { code: 'LOG_FORKED' });
        assert.equal(await store.size(), 2);
        assert.equal((await store.entry(0))!.entry, text(0));
      });
    });

    test('append keys are unique and found; pending appends queue once per key and leave with their batch', async () => {
      await withStore(async (store) => {
        await store.addPending('k1', text(1), 1);
        await store.addPending('k1', text(1), 2);
        await store.addPending('k2', text(2), 3);
        const pending = await store.pendingAppends(10);
        assert.deepEqual(
          pending.map((p) => p.key),
          ['k1', 'k2'],
        );
        const range = CompactRange.empty();
        const batch = batchOf(range, [text(1), text(2)], ['k1', 'k2']);
        await store.commit({ ...batch, pendingIds: pending.map((p) => p.id) });
        assert.deepEqual(await store.pendingAppends(10), []);
        const found = await store.findKeys(['k2', 'k1', 'nope']);
        assert.equal(found.get('k1')?.index, 0);
        assert.equal(found.get('k2')?.index, 1);
        assert.equal(found.has('nope'), false);
        // A batch holding a key already logged is refused whole: the sequencer then looks it up.
        const size = range.size;
        const again = batchOf(range, [text(3), text(4)], ['k3', 'k1']);
        await assert.rejects(store.commit(again), { code: 'LOG_KEY_TAKEN' });
        assert.equal(await store.size(), size);
        assert.equal((await store.findKeys(['k3'])).size, 0);
      });
    });

    test('checkpoints, keys and metadata', async () => {
      await withStore(async (store) => {
        assert.equal(await store.latestCheckpoint(), undefined);
        const key = generateSignerKey('test.acgs/log');
        const range = CompactRange.empty();
        const batch = batchOf(range, [text(0), text(1), text(2)]);
        const note = signCheckpoint({ origin: 'test.acgs/log', size: 3, root: range.root() }, [key]);
        await store.commit({ ...batch, checkpoint: { size: 3, root: range.root(), note, signedMs: 5 } });
        await store.addCheckpoint({ size: 3, root: range.root(), note: 'other', signedMs: 6 });
        const latest = await store.latestCheckpoint();
        assert.equal(latest?.note, note);
        assert.deepEqual(latest?.root, range.root());
        assert.deepEqual(
          (await store.checkpoints(0, 10, 10)).map((c) => c.size),
          [3],
        );
        assert.equal(await store.metaIfAbsent('origin', 'a'), 'a');
        assert.equal(await store.metaIfAbsent('origin', 'b'), 'a');
        assert.equal(await store.meta('nothing'), undefined);
        await store.recordKeys(['k+1+A', 'k+2+B'], 10);
        await store.recordKeys(['k+1+A'], 20);
        assert.deepEqual(await store.knownKeys(), ['k+1+A', 'k+2+B']);
      });
    });

    test('nodesCompletedIn lists exactly the nodes the leaves of a range complete', async () => {
      await withStore(async (store) => {
        const range = CompactRange.empty();
        const batch = batchOf(
          range,
          Array.from({ length: 37 }, (_, i) => text(i)),
        );
        await store.commit(batch);
        for (const [start, end] of [
          [0, 37],
          [5, 16],
          [16, 17],
          [31, 32],
        ] as const) {
          const expected = batch.nodes
            .filter((n) => {
              const last = (n.id.index + 1) * 2 ** n.id.level - 1;
              return last >= start && last < end;
            })
            .map((n) => `${n.id.level}/${n.id.index}`)
            .sort();
          const got = (await store.nodesCompletedIn(start, end))
            .map((n) => `${n.id.level}/${n.id.index}`)
            .sort();
          assert.deepEqual(got, expected, `[${start}, ${end})`);
        }
      });
    });
  });
}
