import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PROPOSAL_KINDS } from '../../../kernel/contracts/constitution.js';
import type { CouncilContract, VariantAdoptionRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import type { CouncilScheduler } from '../council-scheduler.js';
import { councilErrors } from '../errors.js';
import { proposalView } from '../proposal-view.js';
import { castVote } from '../usecases/cast-vote.js';
import { cancelProposal } from '../usecases/close-proposal.js';
import { openProposal } from '../usecases/open-proposal.js';
import { proposeActivation } from '../usecases/propose-activation.js';
import { MEMBER_ID_PATTERN, VOTE_CHOICES, type VoteChoice } from '../vote-payload.js';
import {
  AUTHORITY_SERVICES,
  callerOf,
  DGM_SERVICES,
  PGC_SERVICES,
  PROPOSE_ROLES,
  READ_ROLES,
  SERVICE_ROLES,
  SYNTHESIS_SERVICES,
  VOTE_ROLES,
} from './route-roles.js';
import { Authority, Proposal, ProposalList, Ratification, RecordedVote } from './route-schemas.js';

const TAGS = ['council'];
const ProposalId = Type.Object({ id: Type.String({ format: 'uuid' }) });
const STATUSES = ['open', 'queued', 'enacted', 'failed', 'rejected', 'expired', 'cancelled'] as const;

async function found(deps: CouncilDeps, id: string) {
  const proposal = await deps.store.proposal(id);
  if (proposal === undefined) throw councilErrors.create('COUNCIL_PROPOSAL_NOT_FOUND', `no proposal ${id}`);
  return proposal;
}

/** Proposals, votes, cancellation, and the contract's routes for the PGC and the constitution service. */
export function registerProposalRoutes(
  app: FastifyInstance,
  deps: CouncilDeps,
  contract: CouncilContract,
  scheduler: CouncilScheduler,
) {
  app.post<{ Body: { kind: string; title: string; content: Record<string, unknown> } }>(
    '/api/v1/council/proposals',
    {
      config: { auth: { roles: PROPOSE_ROLES } },
      schema: {
        response: { 201: Proposal },
        tags: TAGS,
        summary: 'Open a proposal bound by hash to the content it would enact',
        body: Type.Object(
          {
            kind: Type.Union(PROPOSAL_KINDS.map((k) => Type.Literal(k))),
            title: Type.String({ minLength: 1, maxLength: 300 }),
            content: Type.Object({}, { additionalProperties: true }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const proposal = await openProposal(deps, request.body, callerOf(request));
      scheduler.poke();
      return reply.code(201).send(proposalView(proposal, []));
    },
  );

  app.get<{ Querystring: { status?: (typeof STATUSES)[number]; limit: number } }>(
    '/api/v1/council/proposals',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        response: { 200: ProposalList },
        tags: TAGS,
        summary: 'Proposals, newest first',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      proposals: (await deps.store.proposals(request.query)).map((p) => proposalView(p)),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/council/proposals/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        response: { 200: Proposal },
        tags: TAGS,
        summary: 'One proposal: state, tally, every vote with its signature',
        params: ProposalId,
      },
    },
    async (request) => {
      const proposal = await found(deps, request.params.id);
      return proposalView(proposal, await deps.store.votes(proposal.id));
    },
  );

  app.post<{
    Params: { id: string };
    Body: { memberId: string; choice: VoteChoice; contentHash: string; time: string; signature: string };
  }>(
    '/api/v1/council/proposals/:id/votes',
    {
      config: { auth: { roles: VOTE_ROLES } },
      schema: {
        response: { 201: RecordedVote },
        tags: TAGS,
        summary: 'Record a vote signed with the member’s Ed25519 key (docs/council.md §4)',
        params: ProposalId,
        body: Type.Object(
          {
            memberId: Type.String({ pattern: MEMBER_ID_PATTERN }),
            choice: Type.Union(VOTE_CHOICES.map((c) => Type.Literal(c))),
            contentHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            time: Type.String({ minLength: 24, maxLength: 24 }),
            signature: Type.String({ minLength: 88, maxLength: 88 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const recorded = await castVote(deps, { ...request.body, proposalId: request.params.id });
      if (recorded.proposal.status !== 'open') scheduler.poke();
      return reply.code(201).send({
        seq: recorded.vote.seq,
        proposalStatus: recorded.proposal.status,
        outcome: recorded.proposal.outcome,
        tally: recorded.tally,
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/council/proposals/:id/cancel',
    {
      config: { auth: { roles: PROPOSE_ROLES } },
      schema: {
        response: { 200: Proposal },
        tags: TAGS,
        summary: 'The proposer cancels an open proposal',
        params: ProposalId,
      },
    },
    async (request) => proposalView(await cancelProposal(deps, request.params.id, callerOf(request))),
  );

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
      if (status === undefined)
        throw councilErrors.create('COUNCIL_PROPOSAL_NOT_FOUND', `no proposal ${request.params.id}`);
      return status;
    },
  );

  app.post<{ Body: { bundleId: string; activatedBy: string; reason: string } }>(
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
