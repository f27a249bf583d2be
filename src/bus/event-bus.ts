import type { EventEnvelope } from '../kernel/events.js';

/** One delivery of an event to a durable consumer. */
export interface BusMessage<Data = unknown> {
  readonly subject: string;
  readonly event: EventEnvelope<Data>;
  /** 1 on first delivery, then 2, 3, … on redeliveries. */
  readonly deliveryCount: number;
  /** Marks the message done: it is never delivered to this consumer again. */
  ack(): Promise<void>;
  /** Asks for redelivery after `delayMs` (default: at once). */
  nak(delayMs?: number): Promise<void>;
}

export interface SubscribeOptions<Data = unknown> {
  /** Durable consumer name: its position survives restarts, and replicas sharing it share the work. */
  readonly durable: string;
  /** Subject filters in NATS syntax: `*` matches one token, a trailing `>` one or more. */
  readonly subjects: readonly string[];
  /**
   * Subject filters this subscription never receives although `subjects` match them; the bus
   * skips them before any delivery (no lease, no ack, no handler call).
   */
  readonly excludeSubjects?: readonly string[];
  /**
   * Called once per delivery. The handler must ack; a message not acked within `ackWaitMs` is
   * redelivered, and a handler that throws gets its message redelivered after a short back-off.
   */
  readonly handler: (message: BusMessage<Data>) => Promise<void>;
  /** Default 30 000 ms. */
  readonly ackWaitMs?: number;
  /**
   * How many handlers of this subscription run at once in this process (default 1: one message
   * at a time, in publish order apart from redeliveries).
   */
  readonly concurrency?: number;
  /**
   * Where a durable consumer starts when this call creates it: `'all'` (default) — every event
   * the bus still holds, so a service that starts after an event was published still sees it —
   * or `'new'` — only events published after the consumer was created. An existing durable
   * keeps its position whatever this says.
   */
  readonly deliverFrom?: 'all' | 'new';
  /**
   * A consumer for this subscription alone, e.g. a per-process broadcast that every replica must
   * see: it starts at new events (whatever `deliverFrom` says), is deleted when the subscription
   * stops, and is removed by the bus once idle for `EPHEMERAL_IDLE_MS` when its process died
   * without stopping it.
   */
  readonly ephemeral?: boolean;
}

/** How long an ephemeral consumer whose process is gone outlives it (ms). */
export const EPHEMERAL_IDLE_MS = 15 * 60_000;

export interface Subscription {
  readonly durable: string;
  /** Stops delivery to this process; the durable consumer and its position remain. */
  stop(): Promise<void>;
}

/**
 * Publish/subscribe with durable named consumers and at-least-once delivery.
 * `publish` resolves once the event is durably stored by the bus.
 */
export interface EventBus {
  publish(event: EventEnvelope): Promise<void>;
  subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Whether a subject matches a NATS-style filter (`acgs.*.service.started`, `acgs.>`). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    const token = f[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return f.length === s.length;
}
