import type { FastifyPluginAsync } from 'fastify';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import type { CouncilDeps } from './council-deps.js';
import type { CouncilScheduler } from './council-scheduler.js';
import { registerActivationProposalRoute } from './routes/activation-proposals.js';
import { registerMemberRoutes } from './routes/members.js';
import { registerProposalRoutes } from './routes/proposals.js';
import { registerReviewRoutes } from './routes/reviews.js';

/** The Executive Council service's routes: members, proposals and votes, the review queue. */
export function councilRoutes(
  deps: CouncilDeps,
  contract: CouncilContract,
  scheduler: CouncilScheduler,
): FastifyPluginAsync {
  return async (app) => {
    registerMemberRoutes(app, deps);
    registerProposalRoutes(app, deps, contract, scheduler);
    registerActivationProposalRoute(app, deps, scheduler);
    registerReviewRoutes(app, deps);
  };
}
