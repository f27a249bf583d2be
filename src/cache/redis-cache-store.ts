import { Redis } from 'ioredis';
import type { CacheStore, CounterReading, KeyWatch, KeyWatchEvent } from './cache-store.js';
import { assertPositiveCount, assertPositiveMs, cacheErrors } from './errors.js';
import { RedisKeyWatch } from './redis-key-watch.js';

export interface RedisCacheStoreOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` for TLS. */
  readonly url: string;
  /** Prepended to every key so deployments and test runs never collide (default `acgs:`). */
  readonly keyPrefix?: string;
  /** How long one connection attempt may take (ms, default 1000). */
  readonly connectTimeoutMs?: number;
  /** How long one command may take before it rejects (ms, default 1000). */
  readonly commandTimeoutMs?: number;
}

/**
 * INCRBY, then give the key the window's expiry if it has none (a new counter, or a value set
 * without TTL), and report the remaining time — in one atomic script, so concurrent replicas
 * agree on the count and the window never loses its expiry between two commands.
 */
const INCREMENT_IN_WINDOW = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type ScriptedRedis = Redis & {
  acgsIncrementInWindow(key: string, windowMs: number, by: number): Promise<[number, number]>;
};

/**
 * The distributed-mode cache, shared by replicas through Redis (ioredis 5).
 *
 * Built for health checks: the constructor starts connecting and never throws; while Redis is
 * unreachable every call — `ping()` included — rejects at once with `CACHE_UNAVAILABLE` (no
 * offline queue, one retry, `commandTimeoutMs` per command), and the client keeps reconnecting
 * (backing off to 1 s) so readiness recovers by itself when Redis returns.
 * @example
 * const cache = new RedisCacheStore({ url: 'redis://redis:6379', keyPrefix: 'acgs:' });
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: ScriptedRedis;
  readonly keyPrefix: string;
  readonly #firstAttempt: Promise<void>;
  readonly #watches = new Set<RedisKeyWatch>();
  #closed = false;

  constructor(private readonly options: RedisCacheStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? 'acgs:';
    const redis = new Redis(options.url, {
      keyPrefix: this.keyPrefix,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    });
    // Connection errors are reported through the calls that fail; without a listener ioredis
    // would print every failed reconnect attempt.
    redis.on('error', () => {});
    redis.defineCommand('acgsIncrementInWindow', { numberOfKeys: 1, lua: INCREMENT_IN_WINDOW });
    this.#redis = redis as ScriptedRedis;
    // Calls made right after construction wait for the first connection attempt to settle
    // (bounded by connectTimeoutMs); after that a disconnected client fails calls at once.
    const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#firstAttempt = new Promise<void>((resolve) => {
      const timer = setTimeout(done, connectTimeoutMs + 100);
      timer.unref();
      function done() {
        clearTimeout(timer);
        redis.off('ready', done).off('error', done).off('end', done);
        resolve();
      }
      redis.once('ready', done).once('error', done).once('end', done);
    });
  }

  get(key: string): Promise<string | undefined> {
    return this.#run('get', async () => (await this.#redis.get(key)) ?? undefined);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    assertPositiveMs('ttlMs', ttlMs);
    return this.#run('set', async () => {
      if (ttlMs === undefined) await this.#redis.set(key, value);
      else await this.#redis.set(key, value, 'PX', ttlMs);
    });
  }

  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    assertPositiveMs('ttlMs', ttlMs);
    return this.#run('setIfAbsent', async () => {
      const reply =
        ttlMs === undefined
          ? await this.#redis.set(key, value, 'NX')
          : await this.#redis.set(key, value, 'PX', ttlMs, 'NX');
      return reply === 'OK';
    });
  }

  has(key: string): Promise<boolean> {
    return this.#run('has', async () => (await this.#redis.exists(key)) === 1);
  }

  delete(key: string): Promise<void> {
    return this.#run('delete', async () => {
      await this.#redis.del(key);
    });
  }

  async increment(key: string, windowMs: number, by = 1): Promise<CounterReading> {
    assertPositiveMs('windowMs', windowMs);
    assertPositiveCount('by', by);
    return this.#run('increment', async () => {
      try {
        const [count, resetInMs] = await this.#redis.acgsIncrementInWindow(key, windowMs, by);
        return { count, resetInMs };
      } catch (error) {
        if (error instanceof Error && /not an integer|out of range/i.test(error.message)) {
          throw cacheErrors.create(
            'CACHE_NOT_A_COUNTER',
            `Cache key "${key}" holds a value that is not a counter`,
          );
        }
        throw error;
      }
    });
  }

  /** Waits for the watch to be live up to the connect timeout; it goes live later if Redis is away. */
  async watch(prefix: string, listener: (event: KeyWatchEvent) => void): Promise<KeyWatch> {
    if (this.#closed) throw cacheErrors.create('CACHE_UNAVAILABLE', 'The Redis cache is closed');
    const watch = new RedisKeyWatch(this.options.url, `${this.keyPrefix}${prefix}`, this.keyPrefix, listener);
    this.#watches.add(watch);
    await watch.ready((this.options.connectTimeoutMs ?? 1000) + 100);
    return {
      get live() {
        return watch.live;
      },
      stop: async () => {
        this.#watches.delete(watch);
        await watch.stop();
      },
    };
  }

  ping(): Promise<void> {
    return this.#run('ping', async () => {
      await this.#redis.ping();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((watch) => watch.stop()));
    if (this.#redis.status === 'ready') {
      try {
        await this.#redis.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.#redis.disconnect(false);
  }

  async #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (this.#closed) throw cacheErrors.create('CACHE_UNAVAILABLE', 'The Redis cache is closed');
    await this.#firstAttempt;
    try {
      return await call();
    } catch (cause) {
      if (cacheErrors.is(cause, 'CACHE_NOT_A_COUNTER')) throw cause;
      throw cacheErrors.create('CACHE_UNAVAILABLE', `Redis did not complete ${operation}`, {
        cause,
        headers: { 'retry-after': '1' },
      });
    }
  }
}
