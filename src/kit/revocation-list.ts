import type { CacheStore, KeyWatch, KeyWatchEvent } from '../cache/cache-store.js';

/** How often marks that have left the cache (expired) are dropped from the local copy. */
const SWEEP_MS = 5 * 60_000;

/**
 * The revocation marks under a prefix of the cache store (`auth:revoked:`), held by each guard and
 * kept in step by a watch: every mark written on any replica is pushed to every guard as it is
 * written (in-process: before `set` returns; Redis: client tracking), so checking a credential is
 * a set lookup instead of a cache round-trip per request. While the watch is not live (starting,
 * or Redis away), `revoked` answers undefined and the guard asks the cache store as before.
 */
export class RevocationList {
  readonly #marks = new Set<string>();
  #watch: KeyWatch | undefined;
  #starting: Promise<void> | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly cache: CacheStore,
    private readonly prefix: string,
  ) {}

  /** Whether the mark `key` exists: known locally, or undefined when the cache must be asked. */
  revoked(key: string): boolean | undefined {
    if (this.#watch?.live !== true) {
      void this.start();
      return undefined;
    }
    return this.#marks.has(key);
  }

  /** Starts the watch (once; a failed start is tried again on the next lookup). */
  start(): Promise<void> {
    if (this.#stopped || this.#watch !== undefined) return Promise.resolve();
    this.#starting ??= this.cache
      .watch(this.prefix, (event) => this.#apply(event))
      .then((watch) => {
        if (this.#stopped) return watch.stop();
        this.#watch = watch;
        this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS);
        this.#sweeper.unref();
      })
      .catch(() => undefined)
      .finally(() => {
        this.#starting = undefined;
      });
    return this.#starting;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    await this.#starting;
    await this.#watch?.stop();
  }

  #apply(event: KeyWatchEvent): void {
    if (event.kind === 'lost') {
      // Until the watch lists the marks again, lookups go to the cache store.
      this.#marks.clear();
      return;
    }
    // A change is taken as a new mark at once (refusing is the safe side); a mark that is gone
    // (deleted, expired) is dropped once the cache store confirms it.
    this.#marks.add(event.key);
    if (event.kind === 'changed') void this.#confirm(event.key);
  }

  async #confirm(key: string): Promise<void> {
    try {
      if (!(await this.cache.has(key))) this.#marks.delete(key);
    } catch {
      // Kept: a mark that may exist stays until a later sweep confirms it is gone.
    }
  }

  async #sweep(): Promise<void> {
    for (const key of [...this.#marks]) await this.#confirm(key);
  }
}
