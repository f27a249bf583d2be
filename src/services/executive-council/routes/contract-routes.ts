import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type {
  CouncilContract,
  RatificationRequest,
  VariantAdoptionRequest,
} from '../../../kernel/contracts/council.js';
import { ImpactReport } from '../../../kit/impact-report-schema.js';
import type { CouncilDeps } from '../council-deps.js';
import type { CouncilScheduler } from '../council-scheduler.js';
import { proposalStatus } from '../proposal-view.js';
import { proposeActivation } from '../usecases/propose-activation.js';
import { ProposalId, proposalOr404 } from './lookups.js';
import {
  AUTHORITY_SERVICES,
  callerOf,
  DGM_SERVICES,
  PGC_SERVICES,
  SERVICE_ROLES,
  SYNTHESIS_SERVICES,
} from './route-roles.js';
import { Authority, Ratification } from './route-schemas.js';

const TAGS = ['council'];

/** The council contract's routes for other services: authority at enactment, proposals raised by the PGC, the DGM and synthesis. */
export function registerContractRoutes(
  app: FastifyInstance,
  deps: CouncilDeps,
  contract: CouncilContract,
  scheduler: CouncilScheduler,
) {
  app.get<{ Params: { id: string } }>(
    '/api/v1/council/proposals/:id/authority',
    {
      config: { auth: { roles: SERVICE_ROLES, services: AUTHORITY_SERVICES } },
      schema: {
        response: { 200: Authority },
        tags: TAGS,
        summary: 'For owning services at enactment: kind, state, bound content hash and timelock end',
        params: ProposalId,
      },
    },
    async (request) => {
      const status = await contract.proposal(request.params.id);
      return status ?? proposalStatus(await proposalOr404(deps, request.params.id));
    },
  );

  app.post<{ Body: RatificationRequest }>(
    '/api/v1/council/ratifications',
    {
      config: { auth: { roles: SERVICE_ROLES, services: PGC_SERVICES } },
      schema: {
        response: { 201: Ratification },
        tags: TAGS,
        summary: 'For the PGC: raise a break-glass activation to the council for ratification',
        body: Type.Object(
          {
            bundleId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            activatedBy: Type.String({ minLength: 1, maxLength: 256 }),
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
            impact: Type.Optional(ImpactReport),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const created = await contract.proposeRatification(request.body);
      scheduler.poke();
      return reply.code(201).send(created);
    },
  );

  app.post<{ Body: VariantAdoptionRequest }>(
    '/api/v1/council/variant-adoptions',
    {
      config: { auth: { roles: SERVICE_ROLES, services: DGM_SERVICES } },
      schema: {
        response: { 201: Ratification },
        tags: TAGS,
        summary: 'For the Darwin Gödel Machine: propose adopting an admissible variant (adopt-variant)',
        body: Type.Object(
          {
            bundleId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            runId: Type.String({ minLength: 1, maxLength: 128 }),
            variantId: Type.String({ minLength: 1, maxLength: 128 }),
            summary: Type.String({ minLength: 1, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const created = await contract.proposeVariantAdoption(request.body);
      scheduler.poke();
      return reply.code(201).send(created);
    },
  );

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
