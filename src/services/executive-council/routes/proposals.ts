import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PROPOSAL_KINDS } from '../../../kernel/contracts/constitution.js';
import type { CouncilDeps } from '../council-deps.js';
import type { CouncilScheduler } from '../council-scheduler.js';
import { proposalView } from '../proposal-view.js';
import { castVote } from '../usecases/cast-vote.js';
import { cancelProposal } from '../usecases/close-proposal.js';
import { openProposal } from '../usecases/open-proposal.js';
import { MEMBER_ID_PATTERN, VOTE_CHOICES, type VoteChoice } from '../vote-payload.js';
import { ProposalId, proposalOr404 } from './lookups.js';
import { callerOf, PROPOSE_ROLES, READ_ROLES, VOTE_ROLES } from './route-roles.js';
import { Proposal, ProposalList, RecordedVote } from './route-schemas.js';

const TAGS = ['council'];
const STATUSES = ['open', 'queued', 'enacted', 'failed', 'rejected', 'expired', 'cancelled'] as const;

/** Proposals, votes and cancellation (the contract's routes for other services: contract-routes.ts). */
export function registerProposalRoutes(app: FastifyInstance, deps: CouncilDeps, scheduler: CouncilScheduler) {
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
      const proposal = await proposalOr404(deps, request.params.id);
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
}
