import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { evolutionRoutes } from './plugin.js';

/** Builds the Darwin Gödel Machine service from the adapters the wiring layer picked. */
export function createDarwinGodelMachineService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.dgm, routes: evolutionRoutes };
}
