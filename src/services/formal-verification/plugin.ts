import type { FastifyPluginAsync } from 'fastify';
import type { VerificationContract } from '../../kernel/contracts/verification.js';
import { registerImpactRoutes } from './routes/impact-routes.js';
import { registerReportRoutes } from './routes/report-routes.js';
import type { VerificationJobs } from './usecases/verification-jobs.js';

/** The Formal Verification service's routes under /api/v1/verification (docs/verification.md). */
export function verificationRoutes(
  verifier: VerificationContract,
  jobs: VerificationJobs,
): FastifyPluginAsync {
  return async (app) => {
    registerReportRoutes(app, verifier, jobs);
    registerImpactRoutes(app, verifier);
  };
}
