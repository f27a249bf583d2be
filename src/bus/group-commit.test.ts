import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from './group-commit.js';

test('writes a lone item at once and batches items that arrive during a write', async () => {
  const batches: number[][] = [];
  const group = new GroupCommit<number>(async (items) => {
    batches.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const first = group.submit(1);
  const rest = [2, 3, 4].map((n) => group.submit(n));
  await Promise.all([first, ...rest]);
  // The first write starts at once with [1]; 2, 3, 4 arrive while it runs and share the next.
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
});

test('a failed write rejects its own batch only', async () => {
  let calls = 0;
  const group = new GroupCommit<string>(async (items) => {
    calls++;
    if (items.includes('bad')) throw new Error('disk full');
  });
  const bad = group.submit('bad');
  const good = (async () => {
    await bad.catch(() => {});
    return group.submit('good');
  })();
  await assert.rejects(bad, /disk full/);
  await good;
  assert.equal(calls, 2);
});

test('respects the batch size limit', async () => {
  const sizes: number[] = [];
  const group = new GroupCommit<number>(async (items) => {
    sizes.push(items.length);
  }, 3);
  await Promise.all(Array.from({ length: 8 }, (_, i) => group.submit(i)));
  assert.ok(
    sizes.every((size) => size <= 3),
    sizes.join(','),
  );
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    8,
  );
});
