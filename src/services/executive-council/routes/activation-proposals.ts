import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CouncilDeps } from '../council-deps.js';
import type { CouncilScheduler } from '../council-scheduler.js';
import { proposeActivation } from '../usecases/propose-activation.js';
import { callerOf, SERVICE_ROLES, SYNTHESIS_SERVICES } from './route-roles.js';
import { Ratification } from './route-schemas.js';

const TAGS = ['council'];

/** The synthesis service's route: an activate-policies proposal for the person who started a job. */
export function registerActivationProposalRoute(
  app: FastifyInstance,
  deps: CouncilDeps,
  scheduler: CouncilScheduler,
) {
  app.post<{ Body: { bundleId: string; title: string; requestedBy: string } }>(
    '/api/v1/council/activation-proposals',
    {
      config: { auth: { roles: SERVICE_ROLES, services: SYNTHESIS_SERVICES } },
      schema: {
        response: { 201: Ratification },
        tags: TAGS,
        summary:
          'For the synthesis service: propose activating a synthesized bundle for the person who asked',
        body: Type.Object(
          {
            bundleId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            title: Type.String({ minLength: 1, maxLength: 200 }),
            requestedBy: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const proposal = await proposeActivation(deps, request.body, callerOf(request));
      scheduler.poke();
      return reply.code(201).send({ proposalId: proposal.id });
    },
  );
}
