import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  connect,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from 'nats';
import { withinDeadline } from '../kernel/deadline.js';
import { type EventEnvelope, subjectOf } from '../kernel/events.js';
import { assertDurableName, assertEventSubject, assertSubjectFilter, retryDelayMs } from './bus-subjects.js';
import { busErrors } from './errors.js';
import type { BusMessage, EventBus, SubscribeOptions, Subscription } from './event-bus.js';
import { EPHEMERAL_IDLE_MS, subjectMatches } from './event-bus.js';

export interface NatsEventBusOptions {
  /** One or more `nats://host:port` URLs (credentials may be given in the URL). */
  readonly url: string | readonly string[];
  /** JetStream stream holding the events (default `ACGS`); created when missing. */
  readonly stream?: string;
  /**
   * First subject token on the wire (default `acgs`). Events keep their logical subject
   * `acgs.<source>.<type>` everywhere else; only NATS sees `<subjectRoot>.<source>.<type>`, so
   * tests and side-by-side deployments can share one server.
   */
  readonly subjectRoot?: string;
  /** Connection name shown by the server (default `acgs`). */
  readonly name?: string;
  /** How long the first connection may take (ms, default 2000). */
  readonly connectTimeoutMs?: number;
  /** How long `ping()` may take (ms, default 1500). */
  readonly pingTimeoutMs?: number;
  /** How long `publish` waits for the stream's acknowledgement (ms, default 5000). */
  readonly publishTimeoutMs?: number;
  /** Stream retention by age when the bus creates the stream (ms, default 7 days; 0 keeps all). */
  readonly maxAgeMs?: number;
  /** Stream replicas when the bus creates the stream (default 1; 3 in a NATS cluster). */
  readonly replicas?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** How long one pull request waits on the server before the loop asks again. */
const FETCH_EXPIRES_MS = 2000;

/**
 * The distributed-mode event bus over NATS JetStream (nats.js 2).
 *
 * - All events go to one stream (`stream`, subjects `<subjectRoot>.>`, file storage); `publish`
 *   resolves on the stream's acknowledgement and sets `Nats-Msg-Id` to the event id, so a
 *   retried publish is stored once (within the stream's duplicate window).
 * - Each durable is a JetStream durable pull consumer with explicit acks, `ack_wait` =
 *   `ackWaitMs`, unlimited redeliveries and `deliver_policy` from `deliverFrom` ('all' default).
 *   Subscribers sharing a durable (in one process or across replicas) split its messages.
 * - `nak(delay)` uses JetStream's delayed NAK; a handler that throws is NAKed with a back-off
 *   (100 ms doubling to 10 s). `deliveryCount` is JetStream's delivery count.
 * - Several subject filters use `filter_subjects` on NATS ≥ 2.10; on older servers the consumer
 *   takes the whole root and the bus acks non-matching messages itself.
 * - The connection reconnects forever (250 ms apart). While the client knows it is disconnected,
 *   `ping()` and `publish` reject at once with `BUS_UNAVAILABLE` (503, `Retry-After: 1`) rather
 *   than wait on a buffer that may never be sent; when NATS hangs without the socket closing they
 *   reject within `pingTimeoutMs` / `publishTimeoutMs`. Both recover on their own.
 *
 * `NatsEventBus.connect(options)` rejects with `BUS_UNAVAILABLE` if the first connection fails.
 * @example
 * const bus = await NatsEventBus.connect({ url: 'nats://nats:4222' });
 */
export class NatsEventBus implements EventBus {
  readonly #subscriptions = new Set<NatsSubscription>();
  readonly #js: JetStreamClient;
  readonly stream: string;
  readonly subjectRoot: string;
  #closed = false;
  #disconnected = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly options: NatsEventBusOptions,
  ) {
    this.#js = nc.jetstream();
    this.stream = options.stream ?? 'ACGS';
    this.subjectRoot = options.subjectRoot ?? 'acgs';
    void this.#watchStatus();
  }

  /** Whether the client currently has a connection to a NATS server. */
  get connected(): boolean {
    return !this.#closed && !this.#disconnected && !this.nc.isClosed();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') this.#disconnected = true;
      else if (status.type === 'reconnect') this.#disconnected = false;
    }
  }

  static async connect(options: NatsEventBusOptions): Promise<NatsEventBus> {
    const stream = options.stream ?? 'ACGS';
    const root = options.subjectRoot ?? 'acgs';
    if (!/^[A-Za-z0-9_-]+$/.test(stream)) {
      throw busErrors.create('BUS_OPTIONS_INVALID', `Stream name "${stream}" is not valid`);
    }
    assertEventSubject(root);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: typeof options.url === 'string' ? options.url : [...options.url],
        name: options.name ?? 'acgs',
        timeout: options.connectTimeoutMs ?? 2000,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        maxPingOut: 2,
      });
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', 'Cannot connect to NATS', { cause });
    }
    try {
      const jsm = await nc.jetstreamManager({ timeout: options.connectTimeoutMs ?? 2000 });
      await ensureStream(jsm, stream, root, options);
      return new NatsEventBus(nc, jsm, options);
    } catch (cause) {
      await nc.close().catch(() => {});
      if (cause instanceof Error && cause.name === 'PlatformError') throw cause;
      throw busErrors.create('BUS_UNAVAILABLE', `Cannot set up the JetStream stream "${stream}"`, { cause });
    }
  }

  async publish(event: EventEnvelope): Promise<void> {
    this.#assertOpen();
    const subject = subjectOf(event);
    assertEventSubject(subject);
    this.#assertConnected();
    try {
      await this.#js.publish(this.#toWire(subject), encoder.encode(JSON.stringify(event)), {
        msgID: event.id,
        expect: { streamName: this.stream },
        timeout: this.options.publishTimeoutMs ?? 5000,
      });
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', `Event ${event.id} was not stored by NATS`, {
        cause,
        headers: { 'retry-after': '1' },
      });
    }
  }

  async subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription> {
    this.#assertOpen();
    assertDurableName(options.durable);
    if (options.subjects.length === 0) {
      throw busErrors.create('BUS_OPTIONS_INVALID', 'A subscription needs at least one subject filter');
    }
    for (const filter of [...options.subjects, ...(options.excludeSubjects ?? [])])
      assertSubjectFilter(filter);
    const clientSideFilter = await this.#ensureConsumer(options);
    let consumer: Consumer;
    try {
      consumer = await this.#js.consumers.get(this.stream, options.durable);
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', `Cannot open consumer "${options.durable}"`, { cause });
    }
    const subscription = new NatsSubscription(consumer, this.nc, options as SubscribeOptions, {
      clientSideFilter,
      excluded: options.excludeSubjects ?? [],
      fromWire: (subject) => this.#fromWire(subject),
      onStop: (s) => this.#subscriptions.delete(s),
      ...(options.ephemeral === true
        ? {
            remove: async () => {
              await this.jsm.consumers.delete(this.stream, options.durable);
            },
          }
        : {}),
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    this.#assertConnected();
    const timeoutMs = this.options.pingTimeoutMs ?? 1500;
    try {
      await withinDeadline(this.nc.rtt(), timeoutMs);
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', 'NATS does not answer', {
        cause,
        headers: { 'retry-after': '1' },
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    // Flush the last acks before closing, but never wait on a dead server for long.
    await Promise.race([this.nc.flush().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.nc.close().catch(() => {});
  }

  /** Creates or updates the durable; returns the filters the bus applies itself (if any). */
  async #ensureConsumer(options: Omit<SubscribeOptions, 'handler'>): Promise<readonly string[] | undefined> {
    const wireFilters = [...new Set(options.subjects.map((filter) => this.#toWire(filter)))].sort();
    const manyFiltersSupported = this.nc.info !== undefined && atLeast(this.nc.info.version, 2, 10);
    const filter: Partial<ConsumerConfig> =
      wireFilters.length === 1
        ? { filter_subject: wireFilters[0]! }
        : manyFiltersSupported
          ? { filter_subjects: wireFilters }
          : { filter_subject: `${this.subjectRoot}.>` };
    const clientSideFilter = wireFilters.length > 1 && !manyFiltersSupported ? options.subjects : undefined;
    const ackWait = nanos(Math.max(1, options.ackWaitMs ?? 30_000));
    try {
      let existing: Awaited<ReturnType<JetStreamManager['consumers']['info']>> | undefined;
      try {
        existing = await this.jsm.consumers.info(this.stream, options.durable);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (existing === undefined) {
        await this.jsm.consumers.add(this.stream, {
          durable_name: options.durable,
          ack_policy: AckPolicy.Explicit,
          ack_wait: ackWait,
          deliver_policy:
            options.deliverFrom === 'new' || options.ephemeral === true
              ? DeliverPolicy.New
              : DeliverPolicy.All,
          // The server removes an ephemeral consumer whose process died without deleting it.
          ...(options.ephemeral === true ? { inactive_threshold: nanos(EPHEMERAL_IDLE_MS) } : {}),
          max_deliver: -1,
          max_ack_pending: 10_000,
          ...filter,
        });
      } else {
        const current = existing.config;
        const sameFilter =
          (current.filter_subject ?? '') === (filter.filter_subject ?? '') &&
          JSON.stringify([...(current.filter_subjects ?? [])].sort()) ===
            JSON.stringify(filter.filter_subjects ?? []);
        if (!sameFilter || current.ack_wait !== ackWait) {
          await this.jsm.consumers.update(this.stream, options.durable, {
            ack_wait: ackWait,
            ...(filter.filter_subjects ? { filter_subjects: filter.filter_subjects } : {}),
            ...(filter.filter_subject ? { filter_subject: filter.filter_subject } : {}),
          });
        }
      }
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', `Cannot set up consumer "${options.durable}"`, { cause });
    }
    return clientSideFilter;
  }

  #toWire(subject: string): string {
    const tokens = subject.split('.');
    if (tokens[0] === '>') return `${this.subjectRoot}.>`;
    return [this.subjectRoot, ...tokens.slice(1)].join('.');
  }

  #fromWire(subject: string): string {
    return `acgs.${subject.slice(this.subjectRoot.length + 1)}`;
  }

  #assertConnected(): void {
    if (this.#disconnected)
      throw busErrors.create('BUS_UNAVAILABLE', 'NATS is not connected; reconnecting', {
        headers: { 'retry-after': '1' },
      });
  }

  #assertOpen(): void {
    if (this.#closed || this.nc.isClosed())
      throw busErrors.create('BUS_UNAVAILABLE', 'The NATS bus is closed');
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  stream: string,
  root: string,
  options: NatsEventBusOptions,
): Promise<void> {
  const subject = `${root}.>`;
  try {
    const info = await jsm.streams.info(stream);
    if (!info.config.subjects.includes(subject)) {
      await jsm.streams.update(stream, { ...info.config, subjects: [...info.config.subjects, subject] });
    }
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add({
      name: stream,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(options.maxAgeMs ?? 7 * 24 * 3600 * 1000),
      num_replicas: options.replicas ?? 1,
      duplicate_window: nanos(120_000),
    });
  } catch (error) {
    // Another replica created it first.
    if (!/already in use/i.test(String(error))) throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

interface NatsSubscriptionSettings {
  readonly clientSideFilter: readonly string[] | undefined;
  /** `excludeSubjects`: acked unseen (JetStream filters cannot exclude). */
  readonly excluded: readonly string[];
  readonly fromWire: (subject: string) => string;
  readonly onStop: (subscription: NatsSubscription) => void;
  /** Ephemeral consumers: deletes the consumer once the subscription stopped. */
  readonly remove?: () => Promise<void>;
}

/** One subscriber's pull loop: fetch as many messages as there are free handler slots. */
class NatsSubscription implements Subscription {
  readonly durable: string;
  readonly #concurrency: number;
  readonly #running = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #batch: ConsumerMessages | undefined;
  #slotFreed: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly nc: NatsConnection,
    private readonly options: SubscribeOptions,
    private readonly settings: NatsSubscriptionSettings,
  ) {
    this.durable = options.durable;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return this.#loop;
    this.#stopped = true;
    this.#batch?.stop();
    this.#slotFreed?.();
    await this.#loop;
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
    await Promise.race([Promise.allSettled([...this.#running]), timer]);
    // Unreachable server: the consumer's inactive threshold removes it instead.
    await this.settings.remove?.().catch(() => {});
    this.settings.onStop(this);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const free = this.#concurrency - this.#running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
        });
        this.#slotFreed = undefined;
        continue;
      }
      try {
        const batch = await this.consumer.fetch({ max_messages: free, expires: FETCH_EXPIRES_MS });
        this.#batch = batch;
        if (this.#stopped) batch.stop();
        for await (const message of batch) this.#handle(message);
      } catch {
        // Disconnected or the consumer is gone for now: ask again shortly.
        if (!this.#stopped) await new Promise((resolve) => setTimeout(resolve, 250));
      } finally {
        this.#batch = undefined;
      }
    }
  }

  #handle(raw: JsMsg): void {
    const subject = this.settings.fromWire(raw.subject);
    const filters = this.settings.clientSideFilter;
    if (
      (filters && !filters.some((filter) => subjectMatches(filter, subject))) ||
      this.settings.excluded.some((filter) => subjectMatches(filter, subject))
    ) {
      raw.ack();
      return;
    }
    let event: EventEnvelope;
    try {
      event = JSON.parse(decoder.decode(raw.data)) as EventEnvelope;
    } catch {
      // Not an event this platform published: redelivering it would never help.
      raw.term();
      return;
    }
    let settled = false;
    const message: BusMessage = {
      subject,
      event,
      deliveryCount: raw.info.deliveryCount,
      ack: async () => {
        if (settled) return;
        settled = true;
        let confirmed = false;
        try {
          confirmed = await raw.ackAck({ timeout: 5000 });
        } catch (cause) {
          throw busErrors.create('BUS_UNAVAILABLE', `Ack of ${event.id} was not confirmed`, { cause });
        }
        if (!confirmed) throw busErrors.create('BUS_UNAVAILABLE', `Ack of ${event.id} was not confirmed`);
      },
      nak: async (delayMs = 0) => {
        if (settled) return;
        settled = true;
        if (delayMs > 0) raw.nak(delayMs);
        else raw.nak();
        await this.nc.flush().catch(() => {});
      },
    };
    const run = (async () => {
      try {
        await this.options.handler(message);
      } catch {
        await message.nak(retryDelayMs(message.deliveryCount)).catch(() => {});
      }
    })();
    this.#running.add(run);
    void run.finally(() => {
      this.#running.delete(run);
      this.#slotFreed?.();
    });
  }
}
