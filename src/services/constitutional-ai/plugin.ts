import type { FastifyPluginAsync } from 'fastify';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from './constitution-deps.js';
import { registerComplianceRoutes } from './routes/compliance.js';
import { registerDraftRoutes } from './routes/drafts.js';
import { registerPrincipleRoutes } from './routes/principles.js';
import { registerVersionRoutes } from './routes/versions.js';

/**
 * The Constitutional AI service's routes under /api/v1/constitution. The active hash is public:
 * every response already carries it, and other services read it from here in distributed mode.
 * Reads need any role; drafts policy_author or admin; the bootstrap admin; enactment the
 * council's service account.
 */
export function constitutionRoutes(
  deps: ConstitutionDeps,
  contract: ConstitutionContract,
): FastifyPluginAsync {
  return async (app) => {
    registerVersionRoutes(app, deps, contract);
    registerPrincipleRoutes(app, deps);
    registerComplianceRoutes(app, deps);
    registerDraftRoutes(app, deps);
  };
}
