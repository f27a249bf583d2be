import { type Clock, systemClock } from '../kernel/clock.js';
import type { CacheStore, CounterReading, KeyWatch, KeyWatchEvent } from './cache-store.js';
import { assertPositiveCount, assertPositiveMs, cacheErrors } from './errors.js';

export interface MemoryCacheStoreOptions {
  /** Most entries kept; past it the least recently used entry is evicted (default 100 000). */
  readonly maxEntries?: number;
  readonly clock?: Clock;
}

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; Infinity when it has no TTL. */
  expiresAt: number;
}

/**
 * The embedded-mode cache: a bounded in-process map with TTLs and fixed-window counters, the same
 * semantics as `RedisCacheStore` (counters are strings holding integers, as in Redis). Entries
 * expire lazily on access and are swept when the map is full; when it is still full the least
 * recently used entry is evicted.
 * @example
 * const cache = new MemoryCacheStore({ maxEntries: 10_000 });
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clock: Clock;
  #closed = false;
  #lastSweep = Number.NEGATIVE_INFINITY;
  readonly #watchers = new Set<{ readonly prefix: string; readonly listener: (e: KeyWatchEvent) => void }>();

  constructor(options: MemoryCacheStoreOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.#clock = options.clock ?? systemClock;
  }

  /** Number of live entries (expired ones not yet swept may be counted). */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#assertOpen();
    assertPositiveMs('ttlMs', ttlMs);
    this.#put(key, { value, expiresAt: this.#expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.#assertOpen();
    assertPositiveMs('ttlMs', ttlMs);
    if (this.#live(key) !== undefined) return false;
    this.#put(key, { value, expiresAt: this.#expiry(ttlMs) });
    return true;
  }

  async has(key: string): Promise<boolean> {
    return this.#live(key) !== undefined;
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen();
    this.#entries.delete(key);
    this.#changed(key);
  }

  async watch(prefix: string, listener: (event: KeyWatchEvent) => void): Promise<KeyWatch> {
    this.#assertOpen();
    const watcher = { prefix, listener };
    this.#watchers.add(watcher);
    for (const key of [...this.#entries.keys()])
      if (key.startsWith(prefix) && this.#live(key) !== undefined) listener({ kind: 'present', key });
    return {
      live: true,
      stop: async () => {
        this.#watchers.delete(watcher);
      },
    };
  }

  /** Tells the watchers of `key`, synchronously: a revocation is known before `set` returns. */
  #changed(key: string): void {
    for (const { prefix, listener } of this.#watchers)
      if (key.startsWith(prefix)) listener({ kind: 'changed', key });
  }

  async increment(key: string, windowMs: number, by = 1): Promise<CounterReading> {
    this.#assertOpen();
    assertPositiveMs('windowMs', windowMs);
    assertPositiveCount('by', by);
    const now = this.#clock.now();
    const entry = this.#live(key);
    if (entry === undefined) {
      this.#put(key, { value: String(by), expiresAt: now + windowMs });
      return { count: by, resetInMs: windowMs };
    }
    const current = Number(entry.value);
    if (!/^-?\d+$/.test(entry.value) || !Number.isSafeInteger(current)) {
      throw cacheErrors.create(
        'CACHE_NOT_A_COUNTER',
        `Cache key "${key}" holds a value that is not a counter`,
      );
    }
    entry.value = String(current + by);
    // A counter stored without expiry (by set) gets the window, as the Redis script does.
    if (entry.expiresAt === Number.POSITIVE_INFINITY) entry.expiresAt = now + windowMs;
    return { count: current + by, resetInMs: Math.max(0, entry.expiresAt - now) };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    this.#watchers.clear();
  }

  #expiry(ttlMs: number | undefined): number {
    return ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#clock.now() + ttlMs;
  }

  /** The entry if present and unexpired, marked most recently used. */
  #live(key: string): Entry | undefined {
    this.#assertOpen();
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#clock.now()) return undefined;
    this.#entries.set(key, entry);
    return entry;
  }

  #put(key: string, entry: Entry): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#makeRoom();
    this.#entries.set(key, entry);
    if (this.#watchers.size > 0) this.#changed(key);
  }

  #makeRoom(): void {
    const now = this.#clock.now();
    // A full sweep is O(n); doing it at most once a second keeps a full cache's writes cheap.
    if (now - this.#lastSweep >= 1000) {
      this.#lastSweep = now;
      for (const [key, entry] of this.#entries) {
        if (entry.expiresAt <= now) this.#entries.delete(key);
      }
    }
    // Map iteration is insertion order and #live re-inserts on use: the first key is the LRU.
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw cacheErrors.create('CACHE_UNAVAILABLE', 'The in-process cache is closed');
  }
}
