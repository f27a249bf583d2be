import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { synthesisRoutes } from './plugin.js';

/** Builds the Governance Synthesis service from the adapters the wiring layer picked. */
export function createGovernanceSynthesisService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.gs, routes: synthesisRoutes };
}
