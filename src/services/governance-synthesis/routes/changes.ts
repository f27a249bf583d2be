import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PolicyChangeContract } from '../../../kernel/contracts/synthesis.js';
import type { Role } from '../../../kernel/roles.js';
import type { ServiceName } from '../../../kernel/services.js';
import { synthesisErrors } from '../errors.js';

/** The PolicyChangeContract's route is for services only… */
const SERVICE_ROLES: readonly Role[] = ['service'];
/** …and of those only the Darwin Gödel Machine's `model-proposal` operator. */
const DGM_SERVICES: readonly ServiceName[] = ['dgm'];

const Decision = Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('review')]);

export const ChangeRequestBody = Type.Object(
  {
    constitutionHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    policies: Type.Array(Type.Unknown(), { maxItems: 1000 }),
    failures: Type.Array(
      Type.Object(
        { request: Type.Unknown(), expected: Decision, got: Decision },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);

const ChangeProposalBody = Type.Object({
  policies: Type.Array(Type.Unknown()),
  provider: Type.String(),
  model: Type.String(),
});

/**
 * `POST /api/v1/synthesis/changes`: one model-proposed change for the DGM in another process.
 * Without a configured model it answers 422 SYNTHESIS_PROVIDER_UNAVAILABLE (the operator then
 * yields no child); the model call is aborted when the caller goes away.
 */
export function registerChangeRoutes(app: FastifyInstance, changes: PolicyChangeContract | undefined) {
  app.post<{ Body: Static<typeof ChangeRequestBody> }>(
    '/api/v1/synthesis/changes',
    {
      config: { auth: { roles: SERVICE_ROLES, services: DGM_SERVICES } },
      schema: {
        body: ChangeRequestBody,
        response: { 200: ChangeProposalBody },
        tags: ['synthesis'],
        summary: "For the Darwin Gödel Machine: a configured model's change to a policy set (not validated)",
      },
    },
    async (request, reply) => {
      if (changes === undefined)
        throw synthesisErrors.create('SYNTHESIS_PROVIDER_UNAVAILABLE', 'no language model is configured');
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      return changes.proposeChange(request.body, abort.signal);
    },
  );
}
