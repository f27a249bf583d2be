import type { FastifyPluginAsync } from 'fastify';
import type { PgcDeps } from './pgc-deps.js';
import { registerBundleRoutes } from './routes/bundles.js';
import { registerDecisionRoutes } from './routes/decisions.js';
import { registerPolicyRoutes } from './routes/policies.js';
import { registerPrincipalPseudonymRoutes } from './routes/principal-pseudonyms.js';

/**
 * The Policy Governance Compiler's routes: policy drafts and validation under /api/v1/policies,
 * bundles under /api/v1/policies/bundles, and the decision API under /api/v1/decisions.
 */
export function policyGovernanceRoutes(deps: PgcDeps): FastifyPluginAsync {
  return async (app) => {
    registerPolicyRoutes(app, deps);
    registerBundleRoutes(app, deps);
    registerDecisionRoutes(app, deps);
    registerPrincipalPseudonymRoutes(app, deps);
  };
}
