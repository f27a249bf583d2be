import type { FastifyPluginAsync } from 'fastify';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { PolicyChangeContract } from '../../kernel/contracts/synthesis.js';
import type { SynthesisJobs } from './job-queue.js';
import { registerChangeRoutes } from './routes/changes.js';
import { registerJobRoutes } from './routes/jobs.js';

/** The Governance Synthesis service's routes (health, metrics and the OpenAPI document come from the kit). */
export function synthesisRoutes(
  jobs: SynthesisJobs,
  constitution: ConstitutionContract,
  changes?: PolicyChangeContract,
): FastifyPluginAsync {
  return async (app) => {
    registerJobRoutes(app, jobs, constitution);
    registerChangeRoutes(app, changes);
  };
}
