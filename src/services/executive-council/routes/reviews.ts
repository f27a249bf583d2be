import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../../../kernel/errors.js';
import { takeStreamSlot } from '../../../kit/event-stream.js';
import type { CouncilDeps } from '../council-deps.js';
import type { ReviewTask } from '../store.js';
import { awaitOutcome, claimTask, outcomeView, resolveTask } from '../usecases/review-tasks.js';
import { DecisionId, taskOr404 } from './lookups.js';
import { callerOf, OUTCOME_ROLES, REVIEW_READ_ROLES, REVIEW_ROLES } from './route-roles.js';
import { ReviewOutcome, ReviewTaskList, ReviewTask as ReviewTaskSchema } from './route-schemas.js';

const TAGS = ['reviews'];

/** A review task as the API shows it. */
export function taskView(task: ReviewTask) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    decisionId: task.decisionId,
    queue: task.queue,
    status: task.status,
    principalId: task.principalId,
    actionType: task.actionType,
    requestDigest: task.requestDigest,
    matched: task.matched,
    reasons: task.reasons,
    obligations: task.obligations,
    bundleId: task.bundleId,
    logReceipt: { leafHash: task.leafHash, index: task.logIndex },
    decidedAt: iso(task.decidedMs),
    receivedAt: iso(task.receivedMs),
    deadline: iso(task.deadlineMs),
    claimedBy: task.claimedBy,
    claimedUntil: iso(task.claimUntilMs),
    outcome: task.outcome,
    via: task.via,
    resolvedBy: task.resolvedBy,
    comment: task.comment,
    resolvedAt: iso(task.resolvedMs),
  };
}

/** The human review queue: list, claim, resolve; and the outcome by decision id for the agent. */
export function registerReviewRoutes(app: FastifyInstance, deps: CouncilDeps) {
  app.get<{ Querystring: { queue?: string; status?: 'open' | 'claimed' | 'resolved'; limit: number } }>(
    '/api/v1/reviews',
    {
      config: { auth: { roles: REVIEW_READ_ROLES } },
      schema: {
        response: { 200: ReviewTaskList },
        tags: TAGS,
        summary: 'Review tasks, oldest first',
        querystring: Type.Object(
          {
            queue: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            status: Type.Optional(
              Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('resolved')]),
            ),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ tasks: (await deps.store.tasks(request.query)).map(taskView) }),
  );

  app.get<{ Params: { decisionId: string } }>(
    '/api/v1/reviews/:decisionId',
    {
      config: { auth: { roles: REVIEW_READ_ROLES } },
      schema: {
        response: { 200: ReviewTaskSchema },
        tags: TAGS,
        summary: 'One review task',
        params: DecisionId,
      },
    },
    async (request) => {
      return taskView(await taskOr404(deps, request.params.decisionId));
    },
  );

  app.post<{ Params: { decisionId: string }; Body: unknown }>(
    '/api/v1/reviews/:decisionId/claim',
    {
      config: { auth: { roles: REVIEW_ROLES } },
      schema: {
        response: { 200: ReviewTaskSchema },
        tags: TAGS,
        summary: 'Claim a task for a while (a lease); claiming again renews your own claim',
        params: DecisionId,
        // No body schema: the body `{ leaseSeconds? }` is optional.
      },
    },
    async (request) =>
      taskView(await claimTask(deps, request.params.decisionId, callerOf(request), leaseOf(request.body))),
  );

  app.post<{ Params: { decisionId: string }; Body: { outcome: 'approve' | 'reject'; comment: string } }>(
    '/api/v1/reviews/:decisionId/resolve',
    {
      config: { auth: { roles: REVIEW_ROLES } },
      schema: {
        response: { 200: ReviewTaskSchema },
        tags: TAGS,
        summary: 'Resolve a task you hold: approve (allow) or reject (deny), with a comment',
        params: DecisionId,
        body: Type.Object(
          {
            outcome: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
            comment: Type.String({ minLength: 1, maxLength: 4000 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) =>
      taskView(await resolveTask(deps, request.params.decisionId, callerOf(request), request.body)),
  );

  app.get<{ Params: { decisionId: string }; Querystring: { wait: number } }>(
    '/api/v1/reviews/:decisionId/outcome',
    {
      config: { auth: { roles: OUTCOME_ROLES } },
      schema: {
        response: { 200: ReviewOutcome },
        tags: TAGS,
        summary: 'The outcome by decision id; `wait` (seconds) long-polls until it is resolved',
        params: DecisionId,
        querystring: Type.Object(
          { wait: Type.Integer({ minimum: 0, maximum: 60, default: 0 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const abort = new AbortController();
      request.raw.once('close', () => abort.abort());
      if (request.query.wait === 0) return outcomeView(await taskOr404(deps, request.params.decisionId));
      // A waiting request holds a socket (and re-reads the task) like a stream: it takes a slot.
      const release = takeStreamSlot(request);
      try {
        return await awaitOutcome(deps, request.params.decisionId, request.query.wait * 1000, abort.signal);
      } finally {
        release();
      }
    },
  );
}

/** The claim's optional body `{ leaseSeconds? }` (5 to 86,400). */
function leaseOf(body: unknown): number | undefined {
  const lease = (body as { leaseSeconds?: unknown } | null | undefined)?.leaseSeconds;
  if (lease === undefined) return undefined;
  if (typeof lease !== 'number' || !Number.isInteger(lease) || lease < 5 || lease > 86_400)
    throw commonErrors.create(
      'VALIDATION_FAILED',
      '/body/leaseSeconds: expected an integer from 5 to 86400',
      {
        errors: [{ pointer: '/body/leaseSeconds', detail: 'expected an integer from 5 to 86400' }],
      },
    );
  return lease;
}
