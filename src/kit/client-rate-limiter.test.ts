import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { externalService } from '../../test/support/external-services.js';
import { uniqueRunName } from '../../test/support/postgres-database.js';
import type { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import { RedisCacheStore } from '../cache/redis-cache-store.js';
import { ClientRateLimiter } from './client-rate-limiter.js';

const redis = await externalService('redis');
const limiters: ClientRateLimiter[] = [];
const caches: CacheStore[] = [];
after(async () => {
  for (const limiter of limiters) limiter.stop();
  for (const cache of caches) await cache.close();
});

function limiter(cache: CacheStore, perMinute: number, burst: number, now?: () => number) {
  const made = new ClientRateLimiter({
    cache,
    perMinute,
    burst,
    flushEveryMs: 10_000,
    ...(now ? { now } : {}),
  });
  limiters.push(made);
  return made;
}

/** Requests until the first refusal (at most `max`). */
function admittedBefore429(l: ClientRateLimiter, client: string, max: number): number {
  for (let n = 0; n < max; n++) if (l.hit(client).limited) return n;
  return max;
}

describe('ClientRateLimiter', () => {
  test('a client gets its burst per second and its minute, then 429 with a Retry-After; clients are apart', () => {
    let now = 1_000_000;
    const l = limiter(new MemoryCacheStore(), 50, 20, () => now);
    assert.equal(admittedBefore429(l, 'ip:10.0.0.1', 100), 20);
    const refused = l.hit('ip:10.0.0.1');
    assert.ok(refused.limited && refused.retryAfterSeconds === 1);
    assert.equal(admittedBefore429(l, 'ip:10.0.0.2', 100), 20, 'another client has its own count');
    now += 1000; // the next second: 20 more, then the minute's 50 are spent
    assert.equal(admittedBefore429(l, 'ip:10.0.0.1', 100), 20);
    now += 1000;
    // Refused requests count too: 22 + 21 so far, so 7 more reach the minute's 50.
    assert.equal(admittedBefore429(l, 'ip:10.0.0.1', 100), 7);
    const minute = l.hit('ip:10.0.0.1');
    assert.ok(minute.limited && minute.retryAfterSeconds > 50, JSON.stringify(minute));
    now += 60_000;
    assert.equal(l.hit('ip:10.0.0.1').limited, false, 'a new minute');
  });

  test('a client’s own minute limit replaces the default; with the default off, only own limits count', () => {
    const now = 1_000_000;
    const l = limiter(new MemoryCacheStore(), 0, 20, () => now);
    assert.equal(admittedBefore429(l, 'ip:10.0.0.1', 5000), 5000, 'no default limit');
    assert.equal(
      admittedBefore429({ hit: (c: string) => l.hit(c, 7) } as ClientRateLimiter, 'key:k1', 100),
      7,
    );
    const big = limiter(new MemoryCacheStore(), 100, 20, () => now);
    // 6,000 a minute: a burst of a second's share (100), not the default 20.
    assert.equal(
      admittedBefore429({ hit: (c: string) => big.hit(c, 6000) } as ClientRateLimiter, 'key:k2', 500),
      100,
    );
  });

  test('two replicas sharing Redis share each client’s count', { skip: redis.skip }, async () => {
    const prefix = `${uniqueRunName('rate')}:`;
    const [a, b] = [0, 1].map(() => {
      const cache = new RedisCacheStore({ url: redis.url, keyPrefix: prefix });
      caches.push(cache);
      return limiter(cache, 1000, 30);
    }) as [ClientRateLimiter, ClientRateLimiter];
    // 20 requests on each replica: each alone is under the burst of 30, together they are over it.
    for (let i = 0; i < 20; i++) assert.equal(a.hit('sub:user-1').limited, false);
    await a.flush();
    for (let i = 0; i < 10; i++) assert.equal(b.hit('sub:user-1').limited, false);
    await b.flush();
    // A learns the shared count when it next adds its own (every 50 ms in service): one flush later.
    assert.equal(a.hit('sub:user-1').limited, false);
    await a.flush();
    const verdicts = Array.from({ length: 10 }, () => a.hit('sub:user-1').limited);
    assert.ok(verdicts.every(Boolean), `replica A refuses once the shared count passed 30: ${verdicts}`);
    assert.equal(b.hit('sub:user-2').limited, false, 'another client is not affected');
  });

  test('with the cache unreachable, each replica still limits on its own', async () => {
    const cache = new RedisCacheStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'none:',
      connectTimeoutMs: 100,
    });
    caches.push(cache);
    const l = limiter(cache, 100, 5);
    assert.equal(admittedBefore429(l, 'ip:1', 50), 5);
    await l.flush();
    assert.equal(l.hit('ip:1').limited, true);
  });
});
