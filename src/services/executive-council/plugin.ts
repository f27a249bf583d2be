import type { FastifyPluginAsync } from 'fastify';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import type { CouncilDeps } from './council-deps.js';
import type { CouncilScheduler } from './council-scheduler.js';
import { registerContractRoutes } from './routes/contract-routes.js';
import { registerMemberRoutes } from './routes/members.js';
import { registerProposalRoutes } from './routes/proposals.js';
import { registerReviewRoutes } from './routes/reviews.js';
import { registerStreamRoutes } from './routes/streams.js';

/** The Executive Council service's routes: members, proposals and votes, the review queue, the event streams. */
export function councilRoutes(
  deps: CouncilDeps,
  contract: CouncilContract,
  scheduler: CouncilScheduler,
): FastifyPluginAsync {
  return async (app) => {
    registerMemberRoutes(app, deps);
    registerProposalRoutes(app, deps, scheduler);
    registerContractRoutes(app, deps, contract, scheduler);
    registerReviewRoutes(app, deps);
    registerStreamRoutes(app, deps);
    // Streams end before the server waits for the requests in flight (they would hold it open).
    app.addHook('preClose', async () => deps.feed.closeStreams());
  };
}
