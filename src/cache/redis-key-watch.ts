import { Redis } from 'ioredis';
import type { KeyWatch, KeyWatchEvent } from './cache-store.js';

/**
 * `CacheStore.watch` on Redis: server-assisted client tracking in broadcast mode. One connection
 * subscribes to `__redis__:invalidate`; another turns tracking on for the prefix, redirected to
 * the first (RESP2). Redis then sends the name of every key under the prefix that any client
 * writes, deletes or lets expire, in the same event-loop pass as the write's own reply.
 *
 * On every (re)connection of either connection the watch is not live until tracking is on again
 * and the existing keys have been listed (SCAN) as `present`; meanwhile `lost` tells the listener
 * to look keys up.
 */
export class RedisKeyWatch implements KeyWatch {
  readonly #subscriber: Redis;
  readonly #tracker: Redis;
  #live = false;
  #stopped = false;
  #arming: Promise<void> | undefined;

  constructor(
    url: string,
    /** The store's key prefix (`acgs:`) followed by the watched prefix. */
    private readonly fullPrefix: string,
    /** The store's key prefix, removed from the keys reported. */
    private readonly storePrefix: string,
    private readonly listener: (event: KeyWatchEvent) => void,
  ) {
    const options = {
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      autoResubscribe: false,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    };
    this.#subscriber = new Redis(url, options);
    this.#tracker = new Redis(url, options);
    for (const connection of [this.#subscriber, this.#tracker]) {
      connection.on('error', () => {});
      connection.on('close', () => this.#lose());
      connection.on('ready', () => void this.#arm());
    }
    // A message names one key, or several (one DEL of many keys) as an array; null means
    // "everything" (the database was flushed). Read as buffers: the string form joins arrays.
    this.#subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer | Buffer[] | null) => {
      if (this.#stopped || channel.toString() !== '__redis__:invalidate') return;
      if (keys === null) {
        // Reconnecting the tracker arms the watch again: tracking on, existing keys listed.
        this.#lose();
        this.#tracker.disconnect(true);
        return;
      }
      for (const key of Array.isArray(keys) ? keys : [keys])
        this.listener({ kind: 'changed', key: key.toString().slice(this.storePrefix.length) });
    });
  }

  get live(): boolean {
    return this.#live;
  }

  /** Resolves once the watch is live, or after `timeoutMs` (it keeps trying in the background). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#live && !this.#stopped && Date.now() < deadline) {
      await (this.#arming ?? new Promise((r) => setTimeout(r, 50)));
      if (!this.#live) await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#live = false;
    this.#subscriber.disconnect(false);
    this.#tracker.disconnect(false);
  }

  #lose(): void {
    if (!this.#live) return;
    this.#live = false;
    this.listener({ kind: 'lost' });
  }

  #arm(): Promise<void> {
    if (this.#subscriber.status !== 'ready' || this.#tracker.status !== 'ready' || this.#stopped)
      return Promise.resolve();
    this.#arming ??= (async () => {
      try {
        this.#lose();
        const id = (await this.#subscriber.call('CLIENT', 'ID')) as number;
        await this.#subscriber.subscribe('__redis__:invalidate');
        await this.#tracker.call(
          'CLIENT',
          'TRACKING',
          'ON',
          'REDIRECT',
          String(id),
          'BCAST',
          'PREFIX',
          this.fullPrefix,
        );
        let cursor = '0';
        do {
          const [next, keys] = await this.#tracker.scan(
            cursor,
            'MATCH',
            `${this.fullPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
            'COUNT',
            1000,
          );
          cursor = next;
          for (const key of keys) this.listener({ kind: 'present', key: key.slice(this.storePrefix.length) });
        } while (cursor !== '0');
        this.#live = !this.#stopped;
      } catch {
        // A connection dropped while arming: its next 'ready' arms again.
      } finally {
        this.#arming = undefined;
      }
    })();
    return this.#arming;
  }
}
