import type { EventEnvelope } from '../kernel/events.js';
import { busErrors } from './errors.js';
import type { EventBus, SubscribeOptions, Subscription } from './event-bus.js';

export interface ReconnectingEventBusOptions {
  /** Opens the underlying bus; rejected attempts are retried. */
  readonly open: () => Promise<EventBus>;
  /** Delay between attempts; default 1000 ms. */
  readonly retryMs?: number;
  /**
   * How long `publish` waits for the first connection attempt (start-up) before it rejects;
   * default 5000 ms. Once an attempt has failed, `publish` rejects at once until one succeeds.
   */
  readonly publishWaitMs?: number;
  /** Called once per failed attempt (for a log line). */
  readonly onAttemptFailed?: (error: unknown, attempt: number) => void;
}

interface PendingSubscription {
  readonly options: SubscribeOptions<unknown>;
  readonly resolve: (subscription: Subscription) => void;
}

/**
 * Lets a process start while its bus is unreachable: the first connection is made in the
 * background and retried; until it succeeds `ping` rejects (readiness names the bus), `publish`
 * rejects at once with BUS_UNAVAILABLE (503) — a request never waits on a bus known to be down,
 * so a review decision is refused at once — except while the very first attempt is still under
 * way, which it waits for (bounded); subscriptions are made as soon as the bus is there.
 * Once connected, the underlying adapter's own reconnection takes over.
 */
export class ReconnectingEventBus implements EventBus {
  #bus: EventBus | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #lastError: unknown;
  readonly #waiters = new Set<() => void>();
  readonly #pending: PendingSubscription[] = [];

  constructor(private readonly options: ReconnectingEventBusOptions) {
    void this.#attempt(1);
  }

  get connected(): boolean {
    return this.#bus !== undefined;
  }

  async #attempt(attempt: number): Promise<void> {
    if (this.#closed) return;
    try {
      const bus = await this.options.open();
      if (this.#closed) {
        await bus.close();
        return;
      }
      this.#bus = bus;
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
      await this.#subscribePending(bus);
    } catch (error) {
      this.#lastError = error;
      // Whoever waited for this attempt learns its outcome now, not after publishWaitMs.
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
      this.options.onAttemptFailed?.(error, attempt);
      this.#timer = setTimeout(() => void this.#attempt(attempt + 1), this.options.retryMs ?? 1000);
      this.#timer.unref();
    }
  }

  /**
   * Makes the subscriptions requested before the bus was there. One that fails (the bus went away
   * again) is retried after `retryMs`; it must not make the wrapper open a second bus.
   */
  async #subscribePending(bus: EventBus): Promise<void> {
    const failed: PendingSubscription[] = [];
    for (const entry of this.#pending.splice(0)) {
      if (this.#closed) return;
      try {
        entry.resolve(await bus.subscribe(entry.options));
      } catch (error) {
        this.#lastError = error;
        this.options.onAttemptFailed?.(error, 0);
        failed.push(entry);
      }
    }
    if (failed.length > 0) {
      this.#pending.unshift(...failed);
      this.#timer = setTimeout(() => void this.#subscribePending(bus), this.options.retryMs ?? 1000);
      this.#timer.unref();
    }
  }

  async #connectedBus(waitMs: number): Promise<EventBus> {
    if (this.#closed) throw busErrors.create('BUS_UNAVAILABLE', 'The event bus is closed');
    if (this.#bus) return this.#bus;
    if (this.#lastError !== undefined) throw this.#unavailable();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.add(done);
    });
    if (this.#bus) return this.#bus;
    throw this.#unavailable();
  }

  #unavailable() {
    return busErrors.create('BUS_UNAVAILABLE', 'The event bus is not connected yet', {
      cause: this.#lastError,
      headers: { 'retry-after': '1' },
    });
  }

  async publish(event: EventEnvelope): Promise<void> {
    const bus = await this.#connectedBus(this.options.publishWaitMs ?? 5000);
    await bus.publish(event);
  }

  async subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription> {
    if (this.#bus) return this.#bus.subscribe(options);
    if (this.#closed) throw busErrors.create('BUS_UNAVAILABLE', 'The event bus is closed');
    // Not connected yet: hand back a subscription that becomes real once the bus is there.
    let real: Subscription | undefined;
    let stopped = false;
    this.#pending.push({
      options: options as SubscribeOptions<unknown>,
      resolve: (subscription) => {
        real = subscription;
        if (stopped) void subscription.stop();
      },
    });
    return {
      durable: options.durable,
      stop: async () => {
        stopped = true;
        await real?.stop();
      },
    };
  }

  async ping(): Promise<void> {
    if (!this.#bus) {
      const reason = this.#lastError instanceof Error ? `: ${this.#lastError.message}` : '';
      throw busErrors.create('BUS_UNAVAILABLE', `The event bus is not connected yet${reason}`);
    }
    await this.#bus.ping();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const wake of this.#waiters) wake();
    await this.#bus?.close();
  }
}
