/**
 * Events: publish/subscribe with durable consumers and at-least-once delivery.
 *
 * Construct with:
 * - `await LocalEventBus.open(database, { pollIntervalMs?, closeTimeoutMs? })` — embedded mode:
 *   in-process delivery persisted in the given `Database` (SQLite or PostgreSQL; tables migrated
 *   under owner `bus`). `close()` leaves the database open.
 * - `await NatsEventBus.connect({ url, stream?, subjectRoot?, name?, connectTimeoutMs?,
 *   pingTimeoutMs?, publishTimeoutMs?, maxAgeMs?, replicas? })` — distributed mode over NATS
 *   JetStream (stream `ACGS` and subject root `acgs` by default; the stream is created if
 *   missing). Rejects with `BUS_UNAVAILABLE` if NATS cannot be reached at start-up; afterwards it
 *   reconnects forever and `ping()` tells readiness.
 * - `new ReconnectingEventBus({ open: () => NatsEventBus.connect(…) })` — starts without the bus
 *   and connects in the background (readiness reports it until then).
 * Subscribe with `bus.subscribe({ durable, subjects: ['acgs.ac.>'], handler, ackWaitMs?,
 * concurrency?, deliverFrom?, excludeSubjects?, ephemeral? })`; handlers must `ack()` (or
 * `nak(delayMs)`).
 */
export { busErrors } from './errors.js';
export type { BusMessage, EventBus, SubscribeOptions, Subscription } from './event-bus.js';
export { subjectMatches } from './event-bus.js';
export { LocalEventBus, type LocalEventBusOptions } from './local-event-bus.js';
export { NatsEventBus, type NatsEventBusOptions } from './nats-event-bus.js';
export { ReconnectingEventBus, type ReconnectingEventBusOptions } from './reconnecting-event-bus.js';
