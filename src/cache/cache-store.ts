/** A fixed-window counter reading. */
export interface CounterReading {
  /** The count after this increment. */
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  readonly resetInMs: number;
}

/** What a watch reports about the keys under its prefix. */
export type KeyWatchEvent =
  /** The key exists (reported for every existing key when a watch starts or restarts). */
  | { readonly kind: 'present'; readonly key: string }
  /** The key was written, deleted or expired: look it up to learn which. */
  | { readonly kind: 'changed'; readonly key: string }
  /** Changes may have been missed (connection lost): until the next `present` run, look keys up. */
  | { readonly kind: 'lost' };

/** A running watch (`CacheStore.watch`). */
export interface KeyWatch {
  /** True while every change under the prefix is being reported. */
  readonly live: boolean;
  stop(): Promise<void>;
}

/**
 * Shared short-lived state: cache entries, rate-limit counters, the token revocation list.
 * In-process in embedded mode; Redis in distributed mode so that replicas agree.
 * Keys are plain strings; adapters add their own namespace prefix.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  /** Stores a value; with `ttlMs` it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores only if the key is absent; returns whether it stored. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Atomically increments the counter `key` by `by` (default 1, a positive integer) in a fixed
   * window of `windowMs` (the window starts with the first increment).
   */
  increment(key: string, windowMs: number, by?: number): Promise<CounterReading>;
  /**
   * Reports every change to keys under `prefix`, as it happens, to every process watching (the
   * revocation list reaching each guard without a lookup per request). The in-process cache
   * reports synchronously; Redis pushes invalidations (client tracking, broadcast mode).
   */
  watch(prefix: string, listener: (event: KeyWatchEvent) => void): Promise<KeyWatch>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
