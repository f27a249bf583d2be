import type { CacheStore } from '../cache/cache-store.js';

/** A client's verdict: go on, or wait `retryAfterSeconds`. */
export type RateVerdict =
  | { readonly limited: false }
  | { readonly limited: true; readonly retryAfterSeconds: number };

export interface ClientRateLimiterOptions {
  /** Where replicas share their counts (Redis in distributed mode). */
  readonly cache: CacheStore;
  /** Requests a client may make per minute (fixed 60 s windows); 0: no limit but clients' own. */
  readonly perMinute: number;
  /** Requests a client may make in any one 1 s window. */
  readonly burst: number;
  /** How often local counts are added to the shared ones (default 50 ms). */
  readonly flushEveryMs?: number;
  /** Most clients tracked at once; the least recently seen are dropped beyond it (default 100 000). */
  readonly maxClients?: number;
  /** Epoch ms; tests move it. */
  readonly now?: () => number;
}

interface Window {
  /** When this window ends (epoch ms). */
  endsAt: number;
  /** The count every replica had reported when this replica last flushed. */
  shared: number;
  /** This replica's requests not yet added to the shared count. */
  pending: number;
}

interface ClientState {
  readonly key: string;
  readonly second: Window;
  readonly minute: Window;
  flushing: boolean;
}

const NOT_LIMITED: RateVerdict = { limited: false };
const SECOND = 1000;
const MINUTE = 60_000;

/**
 * The per-client limit on every route (docs/security.md, "Limits"): at most `perMinute` requests
 * per minute and `burst` in any second, per client key (a credential's subject, or `ip:<address>`).
 *
 * Cheap on the hot path and shared across replicas: `hit` is synchronous — it counts locally and
 * compares the last shared count plus the local one with the limits — and every `flushEveryMs`
 * the local counts are added to the shared counters in the cache (one `increment` per window and
 * active client), whose answers become the new shared counts. Replicas thus agree within one flush
 * interval; if the cache is unreachable each replica goes on limiting with what it knows.
 */
export class ClientRateLimiter {
  private readonly clients = new Map<string, ClientState>();
  private readonly dirty = new Set<ClientState>();
  private readonly now: () => number;
  private readonly maxClients: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClientRateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxClients = options.maxClients ?? 100_000;
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 50);
    this.timer.unref();
  }

  /**
   * Counts one request of `client` and says whether it is over a limit. `ownPerMinute`: the
   * client's own minute limit (an API key created with one) instead of `perMinute`; its burst is
   * then at least a second's share of it, so a key allowed more than the default can use it evenly.
   */
  hit(client: string, ownPerMinute?: number): RateVerdict {
    const perMinute = ownPerMinute ?? this.options.perMinute;
    if (perMinute <= 0) return NOT_LIMITED; // the per-client limit is off (ACGS_RATE_LIMIT_PER_MINUTE=0)
    const burst =
      ownPerMinute === undefined
        ? this.options.burst
        : Math.max(this.options.burst, Math.ceil(ownPerMinute / 60));
    const now = this.now();
    let state = this.clients.get(client);
    if (state === undefined) {
      if (this.clients.size >= this.maxClients) this.evictOldest();
      state = {
        key: client,
        second: { endsAt: now + SECOND, shared: 0, pending: 0 },
        minute: { endsAt: now + MINUTE, shared: 0, pending: 0 },
        flushing: false,
      };
      this.clients.set(client, state);
    }
    const secondOver = count(state.second, now, SECOND) > burst;
    const minuteOver = count(state.minute, now, MINUTE) > perMinute;
    this.dirty.add(state);
    if (!secondOver && !minuteOver) return NOT_LIMITED;
    const waitMs = Math.max(
      minuteOver ? state.minute.endsAt - now : 0,
      secondOver ? state.second.endsAt - now : 0,
    );
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Adds the local counts to the shared ones; resolves when the cache has answered. */
  async flush(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    await Promise.all(batch.map((state) => this.flushClient(state)));
  }

  /** Stops the flush timer (the server is closing). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async flushClient(state: ClientState): Promise<void> {
    if (state.flushing) {
      this.dirty.add(state);
      return;
    }
    state.flushing = true;
    try {
      await Promise.all([
        this.flushWindow(state, state.second, 's', SECOND),
        this.flushWindow(state, state.minute, 'm', MINUTE),
      ]);
    } catch {
      // The cache is unreachable: the local counts stay pending and limit this replica alone.
    } finally {
      state.flushing = false;
    }
  }

  private async flushWindow(state: ClientState, window: Window, tag: string, length: number): Promise<void> {
    const sent = window.pending;
    if (sent === 0) return;
    const endsAt = window.endsAt;
    const reading = await this.options.cache.increment(`rate:${tag}:${state.key}`, length, sent);
    if (window.endsAt !== endsAt) return; // the local window rolled over meanwhile
    window.pending -= sent;
    // The shared window decides: it may have started on another replica.
    window.shared = reading.count;
    window.endsAt = this.now() + reading.resetInMs;
  }

  private evictOldest(): void {
    const oldest = this.clients.keys().next().value;
    if (oldest !== undefined) {
      const state = this.clients.get(oldest)!;
      this.clients.delete(oldest);
      this.dirty.delete(state);
    }
  }
}

/** Counts one request in `window` (starting a new window when it has ended) and returns its count. */
function count(window: Window, now: number, length: number): number {
  if (now >= window.endsAt) {
    window.endsAt = now + length;
    window.shared = 0;
    window.pending = 0;
  }
  window.pending += 1;
  return window.shared + window.pending;
}
