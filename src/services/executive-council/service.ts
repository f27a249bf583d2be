import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { councilRoutes } from './plugin.js';

/** Builds the Executive Council service from the adapters the wiring layer picked. */
export function createExecutiveCouncilService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.ec, routes: councilRoutes };
}
