/** A fixed-window counter reading. */
export interface CounterReading {
  /** The count after this increment. */
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  readonly resetInMs: number;
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
  ping(): Promise<void>;
  close(): Promise<void>;
}
