/**
 * The CacheStore conformance suite, looped over every adapter (in-process and Redis).
 * Redis tests use a unique key prefix per run and delete their keys afterwards.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { externalService } from '../../test/support/external-services.js';
import { uniqueRunName } from '../../test/support/postgres-database.js';
import { createTcpProxy } from '../../test/support/tcp-proxy.js';
import type { CacheStore, KeyWatchEvent } from './cache-store.js';
import { cacheErrors } from './errors.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import { RedisCacheStore } from './redis-cache-store.js';

interface AdapterCase {
  readonly name: string;
  readonly skip: string | false;
  open(): CacheStore;
}

const redis = await externalService('redis');
const redisPrefix = `${uniqueRunName('acgs_cache_test')}:`;

const ADAPTERS: readonly AdapterCase[] = [
  { name: 'memory', skip: false, open: () => new MemoryCacheStore() },
  {
    name: 'redis',
    skip: redis.skip,
    open: () => new RedisCacheStore({ url: redis.url, keyPrefix: redisPrefix }),
  },
];

after(async () => {
  if (redis.skip) return;
  const admin = new Redis(redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
});

let keyCounter = 0;
const freshKey = (label: string) => `${label}:${++keyCounter}:${Date.now()}`;

for (const adapter of ADAPTERS) {
  describe(`CacheStore contract: ${adapter.name}`, { skip: adapter.skip }, () => {
    async function withCache(run: (cache: CacheStore) => Promise<void>): Promise<void> {
      const cache = adapter.open();
      try {
        await run(cache);
      } finally {
        await cache.close();
      }
    }

    test('answers ping', () => withCache((cache) => cache.ping()));

    test('set, get, has and delete', () =>
      withCache(async (cache) => {
        const key = freshKey('plain');
        assert.equal(await cache.get(key), undefined);
        assert.equal(await cache.has(key), false);
        await cache.set(key, 'v1');
        assert.equal(await cache.get(key), 'v1');
        assert.equal(await cache.has(key), true);
        await cache.set(key, 'v2');
        assert.equal(await cache.get(key), 'v2');
        await cache.delete(key);
        assert.equal(await cache.get(key), undefined);
        assert.equal(await cache.has(key), false);
        await cache.delete(key);
      }));

    test('entries expire after their TTL', () =>
      withCache(async (cache) => {
        const key = freshKey('ttl');
        const forever = freshKey('forever');
        await cache.set(key, 'short', 80);
        await cache.set(forever, 'stays');
        assert.equal(await cache.get(key), 'short');
        await sleep(160);
        assert.equal(await cache.get(key), undefined);
        assert.equal(await cache.has(key), false);
        assert.equal(await cache.get(forever), 'stays');
        // Setting again without a TTL removes the old expiry.
        await cache.set(key, 'a', 80);
        await cache.set(key, 'b');
        await sleep(160);
        assert.equal(await cache.get(key), 'b');
      }));

    test('setIfAbsent stores only when absent, and again after expiry', () =>
      withCache(async (cache) => {
        const key = freshKey('nx');
        assert.equal(await cache.setIfAbsent(key, 'first', 80), true);
        assert.equal(await cache.setIfAbsent(key, 'second', 80), false);
        assert.equal(await cache.get(key), 'first');
        await sleep(160);
        assert.equal(await cache.setIfAbsent(key, 'third'), true);
        assert.equal(await cache.get(key), 'third');
      }));

    test('setIfAbsent is atomic under concurrency: exactly one caller wins', () =>
      withCache(async (cache) => {
        const key = freshKey('race');
        const others = [adapter.open(), adapter.open()];
        try {
          const stores = [cache, ...others];
          const results = await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              stores[i % stores.length]!.setIfAbsent(key, `owner-${i}`, 5000),
            ),
          );
          const winners = results.flatMap((won, i) => (won ? [i] : []));
          // The in-process store is per process, so only its own callers race; Redis is shared.
          const expectedWinners = adapter.name === 'memory' ? stores.length : 1;
          assert.equal(winners.length, expectedWinners, `winners ${winners.join(',')}`);
          assert.equal(await cache.get(key), `owner-${winners[0]}`);
        } finally {
          for (const other of others) await other.close();
        }
      }));

    test('increment counts in a fixed window and starts again after it', () =>
      withCache(async (cache) => {
        const key = freshKey('counter');
        // A window long enough that a busy machine cannot let it pass between two increments.
        const first = await cache.increment(key, 1000);
        assert.equal(first.count, 1);
        assert.ok(first.resetInMs > 0 && first.resetInMs <= 1000, `resetInMs ${first.resetInMs}`);
        await sleep(40);
        const second = await cache.increment(key, 1000);
        assert.equal(second.count, 2);
        // The window is fixed: a later increment does not extend it.
        assert.ok(second.resetInMs <= first.resetInMs - 30, `resetInMs ${second.resetInMs}`);
        assert.equal(await cache.get(key), '2');
        await sleep(second.resetInMs + 40);
        const next = await cache.increment(key, 1000);
        assert.equal(next.count, 1);
      }));

    test('increment by a step adds the step; a step that is not a positive integer is refused', () =>
      withCache(async (cache) => {
        const key = freshKey('step');
        assert.equal((await cache.increment(key, 10_000, 5)).count, 5);
        assert.equal((await cache.increment(key, 10_000)).count, 6);
        assert.equal((await cache.increment(key, 10_000, 94)).count, 100);
        for (const bad of [0, -1, 1.5])
          await assert.rejects(cache.increment(key, 10_000, bad), (error) =>
            cacheErrors.is(error, 'CACHE_ARGUMENT_INVALID'),
          );
      }));

    test('concurrent increments are all counted', () =>
      withCache(async (cache) => {
        const key = freshKey('burst');
        const readings = await Promise.all(Array.from({ length: 50 }, () => cache.increment(key, 10_000)));
        assert.deepEqual(
          readings.map((r) => r.count).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      }));

    test('increment gives a counter set without TTL the window, and refuses non-counters', () =>
      withCache(async (cache) => {
        const key = freshKey('preset');
        await cache.set(key, '41');
        const reading = await cache.increment(key, 100);
        assert.equal(reading.count, 42);
        assert.ok(reading.resetInMs > 0 && reading.resetInMs <= 100);
        await sleep(150);
        assert.equal(await cache.get(key), undefined);
        const text = freshKey('text');
        await cache.set(text, 'hello');
        await assert.rejects(cache.increment(text, 100), (error) =>
          cacheErrors.is(error, 'CACHE_NOT_A_COUNTER'),
        );
      }));

    test('rejects non-positive TTLs and windows', () =>
      withCache(async (cache) => {
        await assert.rejects(
          async () => cache.set(freshKey('bad'), 'v', 0),
          (error) => cacheErrors.is(error, 'CACHE_ARGUMENT_INVALID'),
        );
        await assert.rejects(
          async () => cache.increment(freshKey('bad'), -5),
          (error) => cacheErrors.is(error, 'CACHE_ARGUMENT_INVALID'),
        );
      }));

    test('watch: existing keys are present at start; a write by another client is reported before its call returns to the writer', async () => {
      // Two stores on one backend stand for two replicas (in-process: the same store).
      const watcher = adapter.open();
      const writer = adapter.name === 'memory' ? watcher : adapter.open();
      const prefix = `${freshKey('watch')}:`;
      try {
        await writer.set(`${prefix}old`, 'x', 60_000);
        await writer.set(`${freshKey('elsewhere')}`, 'x', 60_000);
        const events: KeyWatchEvent[] = [];
        const watch = await watcher.watch(prefix, (event) => events.push(event));
        assert.equal(watch.live, true);
        assert.deepEqual(events, [{ kind: 'present', key: `${prefix}old` }]);
        events.length = 0;
        await writer.set(`${prefix}new`, 'x', 60_000);
        await writer.delete(`${prefix}old`);
        // In-process: reported synchronously. Redis: pushed in the write's event-loop pass.
        if (adapter.name !== 'memory') await until(() => events.length >= 2, 2000);
        assert.deepEqual(events, [
          { kind: 'changed', key: `${prefix}new` },
          { kind: 'changed', key: `${prefix}old` },
        ]);
        await watch.stop();
        await writer.set(`${prefix}after-stop`, 'x', 60_000);
        await sleep(50);
        assert.equal(events.length, 2, 'nothing reported after stop');
      } finally {
        await watcher.close();
        if (writer !== watcher) await writer.close();
      }
    });

    test('rejects with CACHE_UNAVAILABLE once closed', async () => {
      const cache = adapter.open();
      await cache.ping();
      await cache.close();
      await cache.close();
      await assert.rejects(cache.ping(), (error) => cacheErrors.is(error, 'CACHE_UNAVAILABLE'));
      await assert.rejects(cache.get('k'), (error) => cacheErrors.is(error, 'CACHE_UNAVAILABLE'));
    });
  });
}

describe('RedisCacheStore outages', { skip: redis.skip }, () => {
  test('ping rejects quickly when nothing listens', async () => {
    const cache = new RedisCacheStore({ url: 'redis://127.0.0.1:1', keyPrefix: redisPrefix });
    try {
      await assert.rejects(cache.ping(), (error) => cacheErrors.is(error, 'CACHE_UNAVAILABLE'));
      await assert.rejects(cache.get('k'), (error) => cacheErrors.is(error, 'CACHE_UNAVAILABLE'));
    } finally {
      await cache.close();
    }
  });

  test('ping fails while Redis is away and recovers by itself when it returns', async () => {
    const proxy = await createTcpProxy(redis.url);
    const cache = new RedisCacheStore({ url: proxy.url, keyPrefix: redisPrefix });
    try {
      await waitFor(() => cache.ping(), 30_000);
      await proxy.stop();
      await waitFor(
        () =>
          cache.ping().then(
            () => Promise.reject(new Error('still answering')),
            () => undefined,
          ),
        30_000,
      );
      await proxy.start();
      await waitFor(() => cache.ping(), 30_000);
      await cache.set('after-outage', 'ok', 10_000);
      assert.equal(await cache.get('after-outage'), 'ok');
    } finally {
      await cache.close();
      await proxy.stop();
    }
  });
});

test('Redis connections reset mid-use: calls fail with CACHE_UNAVAILABLE and Retry-After, then recover', {
  skip: redis.skip,
}, async () => {
  const proxy = await createTcpProxy(redis.url);
  const cache = new RedisCacheStore({ url: proxy.url, keyPrefix: redisPrefix });
  try {
    await waitFor(() => cache.ping(), 3000);
    const outcomes: string[] = [];
    const calls = Array.from({ length: 20 }, (_, i) =>
      cache.increment(`reset-${i}`, 10_000).then(
        () => outcomes.push('ok'),
        (error: unknown) => {
          assert.ok(cacheErrors.is(error, 'CACHE_UNAVAILABLE'), String(error));
          assert.equal(error.headers?.['retry-after'], '1');
          outcomes.push('unavailable');
        },
      ),
    );
    proxy.reset();
    await Promise.all(calls);
    assert.equal(outcomes.length, 20);
    await waitFor(() => cache.ping(), 5000);
    await cache.set('after-reset', 'ok', 10_000);
    assert.equal(await cache.get('after-reset'), 'ok');
  } finally {
    await cache.close();
    await proxy.stop();
  }
});

async function waitFor(check: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
