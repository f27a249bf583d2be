import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { BusMessage } from '../../../bus/event-bus.js';
import { PlatformError } from '../../../kernel/errors.js';
import type { LogDeps } from '../log-deps.js';
import { appendEntry } from './append-entry.js';

/** The durable bus consumer that logs every platform event. */
export const INTAKE_CONSUMER = 'integrity-intake';

/**
 * The writer of entries the intake records: the event bus, whose publishers are the platform's
 * services (in distributed mode, whoever holds NATS credentials: docs/security.md).
 */
export const INTAKE_WRITER = { writer: 'bus' } as const;

/** Entry type recorded in place of an event that is not a valid log entry (so its arrival is logged). */
export const REJECTED_EVENT_TYPE = 'integrity.event.rejected';

/** Why an event can never be appended as it is: retrying it would never help. */
const NEVER_AN_ENTRY = new Set(['LOG_ENTRY_MALFORMED', 'LOG_ENTRY_TOO_DEEP', 'LOG_ENTRY_TOO_LARGE']);

/**
 * Consumes every platform event and appends it to the log, keyed by the event id (a redelivery
 * gets the first receipt and is not logged twice). The message is acked only once the entry is
 * durable: a crash in between means a redelivery, never a loss. An event that can never be a valid
 * entry (a bad type, a lone surrogate in its payload, a payload nested too deeply or an entry too
 * large) is logged as `integrity.event.rejected`, rather than redelivered for ever and never logged.
 */
export function createEventRecorder(deps: LogDeps, metrics: Registry, logger: Logger) {
  const consumed = new Counter({
    name: 'acgs_bus_events_consumed_total',
    help: 'Platform events consumed from the bus and appended to the log, by source service and type.',
    labelNames: ['consumer', 'source', 'type'],
    registers: [metrics],
  });
  return async function recordPlatformEvent(message: BusMessage): Promise<void> {
    const { event } = message;
    const time = Number.isFinite(Date.parse(event.time)) ? new Date(event.time).toISOString() : undefined;
    let outcome: Awaited<ReturnType<typeof appendEntry>>;
    try {
      outcome = await appendEntry(
        deps,
        {
          type: event.type,
          source: event.source,
          payload: event.data ?? null,
          key: event.id,
          ...(time ? { time } : {}),
        },
        INTAKE_WRITER,
      );
    } catch (error) {
      if (!(error instanceof PlatformError) || !NEVER_AN_ENTRY.has(error.code)) throw error;
      logger.warn({ eventId: event.id, reason: error.message }, 'integrity: event is not a valid log entry');
      outcome = await appendEntry(
        deps,
        {
          type: REJECTED_EVENT_TYPE,
          source: 'integrity',
          payload: {
            eventId: event.id,
            source: String(event.source),
            type: String(event.type),
            reason: error.message,
          },
          key: event.id,
        },
        INTAKE_WRITER,
      );
    }
    await message.ack();
    if (outcome.fresh) consumed.inc({ consumer: INTAKE_CONSUMER, source: event.source, type: event.type });
  };
}
