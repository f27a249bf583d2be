import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import { OutboxRelay as KitOutboxRelay } from '../../kit/outbox-relay.js';
import type { ConstitutionStore } from './store.js';

/** The constitution's events, from its outbox table to the bus (see the kit's OutboxRelay). */
export class OutboxRelay extends KitOutboxRelay {
  constructor(store: ConstitutionStore, bus: EventBus, logger: Logger) {
    super(store.outbox, bus, logger, 'constitution events');
  }
}
