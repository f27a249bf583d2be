import type { Subscription } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { integrityRoutes } from './plugin.js';
import { IntegrityStore } from './store.js';
import { createEventRecorder, INTAKE_CONSUMER } from './usecases/record-platform-event.js';

/** Builds the Integrity service: its intake consumes every platform event from the bus. */
export function createIntegrityService(context: ServiceContext): ServiceModule {
  const store = new IntegrityStore(context.database);
  let subscription: Subscription | undefined;
  return {
    descriptor: SERVICES.integrity,
    routes: integrityRoutes,
    async start() {
      subscription = await context.bus.subscribe({
        durable: INTAKE_CONSUMER,
        subjects: ['acgs.>'],
        handler: createEventRecorder(store, systemClock, context.metrics),
      });
    },
    async stop() {
      await subscription?.stop();
    },
  };
}
