import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { authRoutes } from './plugin.js';

/** Builds the Auth service from the adapters the wiring layer picked. */
export function createAuthService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.auth, routes: authRoutes };
}
