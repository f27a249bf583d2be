import { Counter, type Registry } from 'prom-client';
import type { BusMessage } from '../../../bus/event-bus.js';
import type { Clock } from '../../../kernel/clock.js';
import type { IntegrityStore } from '../store.js';

/**
 * Consumes every platform event: stores it durably in the intake, then acks. An event is acked
 * only after its row is committed, so a crash between the two means a redelivery, never a loss.
 */
export function createEventRecorder(store: IntegrityStore, clock: Clock, metrics: Registry) {
  const consumed = new Counter({
    name: 'acgs_bus_events_consumed_total',
    help: 'Platform events consumed from the bus by the integrity intake, by source service and type.',
    labelNames: ['consumer', 'source', 'type'],
    registers: [metrics],
  });
  return async function recordPlatformEvent(message: BusMessage): Promise<void> {
    const fresh = await store.recordIntake(message.event, clock.now());
    await message.ack();
    if (fresh)
      consumed.inc({ consumer: INTAKE_CONSUMER, source: message.event.source, type: message.event.type });
  };
}

export const INTAKE_CONSUMER = 'integrity-intake';
