import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { policyGovernanceRoutes } from './plugin.js';

/** Builds the Policy Governance Compiler service from the adapters the wiring layer picked. */
export function createPolicyGovernanceService(_context: ServiceContext): ServiceModule {
  return { descriptor: SERVICES.pgc, routes: policyGovernanceRoutes };
}
