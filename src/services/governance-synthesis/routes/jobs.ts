import { PassThrough } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { Role } from '../../../kernel/roles.js';
import { actorOf } from '../../../kit/request-actor.js';
import type { SynthesisJobs } from '../job-queue.js';
import { followJob } from '../usecases/follow-job.js';
import { submitJob } from '../usecases/submit-job.js';
import { Job, JobParams, JobSubmission } from './route-schemas.js';

const TAGS = ['synthesis'];
/** Who may start and cancel synthesis jobs. */
export const WRITE_ROLES: readonly Role[] = ['policy_author', 'admin'];
/** Who may read them. */
export const READ_ROLES: readonly Role[] = ['policy_author', 'admin', 'auditor', 'council_member', 'service'];

/** Synthesis jobs: start (202), status, progress events, cancel. */
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

  app.get<{ Params: Static<typeof JobParams> }>(
    '/api/v1/synthesis/jobs/:id/events',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        params: JobParams,
        response: { 200: { content: { 'text/event-stream': { schema: Type.String() } } } },
        tags: TAGS,
        summary: "A job's progress as server-sent events: `progress` on every change, `end` when it finished",
      },
    },
    async (request, reply) => {
      await jobs.get(request.params.id); // 404 before the stream starts
      const stream = new PassThrough();
      const gone = new AbortController();
      reply.raw.on('close', () => gone.abort());
      followJob(jobs, request.params.id, (chunk) => stream.write(chunk), gone.signal)
        .catch((error: unknown) => {
          request.log.warn({ err: error }, 'synthesis job events stopped');
          stream.write(': the job could not be read; reconnect to resume\n\n');
        })
        .finally(() => stream.end());
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
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
