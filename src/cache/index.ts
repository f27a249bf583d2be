/**
 * Cache: short-lived shared state (cache entries, rate-limit counters, token revocations).
 *
 * Construct with:
 * - `new MemoryCacheStore({ maxEntries?, clock? })` — embedded mode, in-process, bounded (LRU).
 * - `new RedisCacheStore({ url, keyPrefix?, connectTimeoutMs?, commandTimeoutMs? })` — distributed
 *   mode. Never throws while Redis is down: calls reject with `CACHE_UNAVAILABLE` within about a
 *   second and the client reconnects by itself. `keyPrefix` defaults to `acgs:`.
 * Both expire entries by TTL, count in fixed windows (`increment(key, windowMs)`), and reject
 * with `CACHE_UNAVAILABLE` once closed.
 */
export type { CacheStore, CounterReading } from './cache-store.js';
export { cacheErrors } from './errors.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-cache-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './redis-cache-store.js';
