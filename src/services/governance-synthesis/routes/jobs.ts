import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { Role } from '../../../kernel/roles.js';
import { type EventStream, openEventStream } from '../../../kit/event-stream.js';
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

/** A reconnecting client's Last-Event-ID, when it is one of ours (a number). */
function lastEventIdOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Synthesis jobs: start (202), status, progress events, cancel. */
export function registerJobRoutes(
  app: FastifyInstance,
  jobs: SynthesisJobs,
  constitution: ConstitutionContract,
) {
  // Progress streams end when the server begins to close: a graceful shutdown must not wait for
  // jobs that may run for minutes (the clients reconnect, to this replica's successor if need be).
  const openStreams = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const stream of [...openStreams]) stream.end();
  });
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
      const stream = openEventStream(request, reply);
      const ended = new AbortController();
      stream.onClose(() => ended.abort());
      openStreams.add(stream);
      stream.onClose(() => openStreams.delete(stream));
      followJob(
        jobs,
        request.params.id,
        (event, job, eventId) => stream.send(event, job, String(eventId)),
        ended.signal,
        { lastEventId: lastEventIdOf(request.headers['last-event-id']) },
      )
        .catch((error: unknown) => {
          // The client's EventSource reconnects after the stream's retry delay and resumes.
          request.log.warn({ err: error }, 'synthesis job events stopped: the job could not be read');
        })
        .finally(() => stream.end());
      return reply;
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
