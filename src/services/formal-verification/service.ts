import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { verificationRoutes } from './plugin.js';

/** Builds the Formal Verification service from the adapters the wiring layer picked. */
export function createFormalVerificationService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.fv, routes: verificationRoutes };
}
