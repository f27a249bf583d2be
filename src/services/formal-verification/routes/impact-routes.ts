import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import { MAX_QUERY_TIMEOUT_MS } from '../local-verifier.js';
import { MAX_POLICIES } from '../verification-model.js';
import { VERIFY_ROLES } from './report-routes.js';

const ImpactBody = Type.Object(
  {
    policies: Type.Array(Type.Unknown(), { maxItems: MAX_POLICIES, description: 'The new policy set' }),
    against: Type.Array(Type.Unknown(), {
      maxItems: MAX_POLICIES,
      description: 'The previous set ([] when nothing is active: every request gets the default decision)',
    }),
    constitutionHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    queryTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUERY_TIMEOUT_MS })),
  },
  { additionalProperties: false },
);

const Decision = Type.Union([Type.Literal('allow'), Type.Literal('review'), Type.Literal('deny')]);
const Impact = Type.Object({
  classification: Type.Union([
    Type.Literal('equivalent'),
    Type.Literal('narrowing'),
    Type.Literal('widening'),
    Type.Literal('mixed'),
    Type.Literal('unknown'),
  ]),
  changes: Type.Array(
    Type.Object({
      from: Decision,
      to: Decision,
      kind: Type.Union([Type.Literal('narrowing'), Type.Literal('widening')]),
      example: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  unknown: Type.Array(Type.Object({ from: Decision, to: Decision, reason: Type.String() })),
  policySetHash: Type.String(),
  previousPolicySetHash: Type.String(),
  constitutionHash: Type.String(),
  solver: Type.String(),
  notes: Type.Array(Type.String()),
  durationMs: Type.Number(),
});
type ImpactReply = Static<typeof Impact>;

/** `POST /api/v1/verification/impact`: how a change of policy set moves decisions (the council's narrowing check). */
export function registerImpactRoutes(server: FastifyInstance, verifier: VerificationContract): void {
  server.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/v1/verification/impact',
    {
      config: { auth: { roles: VERIFY_ROLES } },
      schema: {
        tags: ['verification'],
        summary:
          'Classify the change from one policy set to another: narrowing, widening, mixed, equivalent or unknown, with an example per kind of change',
        body: ImpactBody,
        response: { 200: Impact },
      },
    },
    async (request) =>
      (await verifier.classifyImpact({
        ...request.body,
        ...(request.principal === undefined ? {} : { requestedBy: request.principal.subject }),
      })) as ImpactReply,
  );
}
