import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../kernel/clock.js';
import { MemoryCacheStore } from './memory-cache-store.js';

function manualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

test('evicts the least recently used entry when full', async () => {
  const cache = new MemoryCacheStore({ maxEntries: 3 });
  await cache.set('a', '1');
  await cache.set('b', '2');
  await cache.set('c', '3');
  assert.equal(await cache.get('a'), '1'); // a is now the most recently used
  await cache.set('d', '4');
  assert.equal(cache.size, 3);
  assert.equal(await cache.has('b'), false);
  assert.deepEqual(await Promise.all(['a', 'c', 'd'].map((k) => cache.get(k))), ['1', '3', '4']);
});

test('prefers dropping expired entries over evicting live ones', async () => {
  const clock = manualClock();
  const cache = new MemoryCacheStore({ maxEntries: 2, clock });
  await cache.set('live', 'x');
  await cache.set('short', 'y', 10);
  clock.advance(20);
  await cache.set('new', 'z');
  assert.equal(await cache.get('live'), 'x');
  assert.equal(await cache.get('new'), 'z');
});

test('TTLs and windows follow the injected clock', async () => {
  const clock = manualClock();
  const cache = new MemoryCacheStore({ clock });
  await cache.set('k', 'v', 1000);
  clock.advance(999);
  assert.equal(await cache.get('k'), 'v');
  clock.advance(1);
  assert.equal(await cache.get('k'), undefined);
  assert.deepEqual(await cache.increment('c', 1000), { count: 1, resetInMs: 1000 });
  clock.advance(400);
  assert.deepEqual(await cache.increment('c', 1000), { count: 2, resetInMs: 600 });
  clock.advance(600);
  assert.deepEqual(await cache.increment('c', 1000), { count: 1, resetInMs: 1000 });
});
