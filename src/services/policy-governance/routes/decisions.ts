import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PgcDeps } from '../pgc-deps.js';
import { decideBatch, decideOne, MAX_BATCH } from '../usecases/decide-requests.js';
import { callerOf, DECIDE_ROLES } from './route-roles.js';

const TAGS = ['decisions'];
const DecisionQuery = Type.Object(
  {
    explain: Type.Boolean({
      default: false,
      description: 'Add, per policy, whether it applied, matched and why not',
    }),
    mode: Type.Union([Type.Literal('sync'), Type.Literal('async')], {
      default: 'sync',
      description:
        'sync: answer once the decision is durable in the log; async: once it is durable in the outbox',
    }),
  },
  { additionalProperties: false },
);
const DecisionRequestBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'A decision request: principal, action, resource, context (the vocabulary decides what is valid)',
  },
);

const Receipt = Type.Object({
  leafHash: Type.String(),
  index: Type.Union([Type.Integer(), Type.Null()]),
  mode: Type.String(),
  position: Type.Integer(),
});
const Matched = Type.Object({
  policyId: Type.String(),
  version: Type.Integer(),
  effect: Type.String(),
  principles: Type.Array(Type.String()),
  error: Type.Optional(Type.String()),
});
const DecisionFields = {
  decisionId: Type.String(),
  decision: Type.String(),
  defaultApplied: Type.Boolean(),
  matchedPolicies: Type.Array(Matched),
  principles: Type.Array(Type.String()),
  obligations: Type.Array(Type.Any()),
  reasons: Type.Array(Type.String()),
  errors: Type.Array(Type.Object({ policyId: Type.String(), message: Type.String() })),
  evaluationTimeMs: Type.Number(),
  explanation: Type.Optional(Type.Array(Type.Any())),
};
const DecisionResponse = Type.Object({
  ...DecisionFields,
  constitutionalHash: Type.String(),
  bundleId: Type.String(),
  logReceipt: Receipt,
});
const BatchResponse = Type.Object({
  batchId: Type.String(),
  constitutionalHash: Type.String(),
  bundleId: Type.String(),
  logReceipt: Receipt,
  decisions: Type.Array(Type.Object({ ...DecisionFields, position: Type.Integer() })),
});

/** The decision API: one request, or a batch of up to 1,000 (more: 413). */
export function registerDecisionRoutes(app: FastifyInstance, deps: PgcDeps) {
  app.post<{ Body: Record<string, unknown>; Querystring: { explain: boolean; mode: 'sync' | 'async' } }>(
    '/api/v1/decisions',
    {
      config: { auth: { roles: DECIDE_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Decide one request against the active bundle; the decision is logged',
        querystring: DecisionQuery,
        body: DecisionRequestBody,
        response: { 200: DecisionResponse },
      },
    },
    async (request) =>
      decideOne(deps, request.body, {
        explain: request.query.explain,
        mode: request.query.mode,
        caller: callerOf(request),
        principal: request.principal!,
      }),
  );

  app.post<{ Body: { requests: unknown[] }; Querystring: { explain: boolean; mode: 'sync' | 'async' } }>(
    '/api/v1/decisions/batch',
    {
      config: { auth: { roles: DECIDE_ROLES } },
      schema: {
        tags: TAGS,
        summary: `Decide up to ${MAX_BATCH} requests with one bundle; logged as one entry`,
        querystring: DecisionQuery,
        body: Type.Object(
          { requests: Type.Array(DecisionRequestBody, { minItems: 1 }) },
          { additionalProperties: false },
        ),
        response: { 200: BatchResponse },
      },
    },
    async (request) =>
      decideBatch(deps, request.body.requests, {
        explain: request.query.explain,
        mode: request.query.mode,
        caller: callerOf(request),
        principal: request.principal!,
      }),
  );
}
