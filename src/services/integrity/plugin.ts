import type { FastifyPluginAsync } from 'fastify';
import type { LogDeps } from './log-deps.js';
import { registerCheckpointRoutes } from './routes/checkpoints.js';
import { registerEntryRoutes } from './routes/entries.js';
import { registerProofRoutes } from './routes/proofs.js';

/** The Integrity service's routes under /api/v1/log (docs/integrity.md). */
export function integrityRoutes(deps: LogDeps, clientTimeSkewMs: number): FastifyPluginAsync {
  return async (app) => {
    registerEntryRoutes(app, deps, clientTimeSkewMs);
    registerCheckpointRoutes(app, deps);
    registerProofRoutes(app, deps);
  };
}
