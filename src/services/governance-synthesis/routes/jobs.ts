import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { Role } from '../../../kernel/roles.js';
import { actorOf } from '../../../kit/request-actor.js';
import type { SynthesisJobs } from '../job-queue.js';
import { submitJob } from '../usecases/submit-job.js';
import { Job, JobParams, JobSubmission } from './route-schemas.js';

const TAGS = ['synthesis'];
/** Who may start and cancel synthesis jobs. */
export const WRITE_ROLES: readonly Role[] = ['policy_author', 'admin'];
/** Who may read them. */
export const READ_ROLES: readonly Role[] = ['policy_author', 'admin', 'auditor', 'council_member', 'service'];

/** Synthesis jobs: start (202), status, cancel. */
export function registerJobRoutes(
  app: FastifyInstance,
  jobs: SynthesisJobs,
  constitution: ConstitutionContract,
) {
  app.post<{ Body: Static<typeof JobSubmission> }>(
    '/api/v1/synthesis/jobs',
    {
      config: { auth: { roles: WRITE_ROLES } },
      schema: {
        body: JobSubmission,
        response: { 202: Job },
        tags: TAGS,
        summary: 'Start a synthesis job (202 with its id; 503 with Retry-After when the queue is full)',
      },
    },
    async (request, reply) => {
      const job = await submitJob(jobs, constitution, request.body, actorOf(request));
      return reply.code(202).header('location', `/api/v1/synthesis/jobs/${job.id}`).send(job);
    },
  );

  app.get<{ Params: Static<typeof JobParams> }>(
    '/api/v1/synthesis/jobs/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        params: JobParams,
        response: { 200: Job },
        tags: TAGS,
        summary: 'A job: status, stage, progress, result',
      },
    },
    async (request) => jobs.get(request.params.id),
  );

  app.post<{ Params: Static<typeof JobParams> }>(
    '/api/v1/synthesis/jobs/:id/cancel',
    {
      config: { auth: { roles: WRITE_ROLES } },
      schema: { params: JobParams, response: { 200: Job }, tags: TAGS, summary: 'Cancel an unfinished job' },
    },
    async (request) => jobs.cancel(request.params.id),
  );
}
