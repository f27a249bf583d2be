/**
 * Server-sent event streams (docs/council.md §7): a proposal's state as it changes (votes, close,
 * enactment) until it is final; a review outcome for the agent that asked, until it is resolved;
 * and the review tasks of a queue as they change, for reviewers. Every frame carries the whole
 * current state, and a stream starts with the state as it is (for a proposal or an outcome), so a
 * client that reconnects — with or without Last-Event-ID — has missed nothing it needs.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type EventStream, openEventStream } from '../../../kit/event-stream.js';
import type { CouncilDeps } from '../council-deps.js';
import type { FeedTopic } from '../council-feed.js';
import { proposalView } from '../proposal-view.js';
import { outcomeView } from '../usecases/review-tasks.js';
import { DecisionId, ProposalId, proposalOr404 } from './lookups.js';
import { taskView } from './reviews.js';
import { OUTCOME_ROLES, READ_ROLES, REVIEW_READ_ROLES } from './route-roles.js';

/** The OpenAPI answer of a stream. */
const EventStreamReply = {
  description:
    'text/event-stream: `event` names the frame, `data` is its JSON, `id` the council event behind it',
  content: { 'text/event-stream': { schema: Type.String() } },
};

const FINAL = new Set(['enacted', 'failed', 'rejected', 'expired', 'cancelled']);

export function registerStreamRoutes(app: FastifyInstance, deps: CouncilDeps) {
  app.get<{ Params: { id: string } }>(
    '/api/v1/council/proposals/:id/events',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: ['council'],
        summary:
          'Server-sent events: `proposal` frames with the state and tally as votes arrive, the close and the enactment; ends when final',
        params: ProposalId,
        response: { 200: EventStreamReply },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await proposalOr404(deps, id);
      let last = '';
      follow(
        deps,
        openEventStream(request, reply),
        (t) => t.kind === 'proposal' && t.id === id,
        async (send) => {
          const proposal = (await deps.store.proposal(id))!;
          const seen = `${proposal.status}:${proposal.voteSeq}:${proposal.enactAttempts}`;
          if (seen === last) return false;
          last = seen;
          const { votes: _votes, ...view } = proposalView(proposal, await deps.store.votes(id));
          send('proposal', view);
          return FINAL.has(proposal.status);
        },
      );
      return reply;
    },
  );

  app.get<{ Params: { decisionId: string } }>(
    '/api/v1/reviews/:decisionId/events',
    {
      config: { auth: { roles: OUTCOME_ROLES } },
      schema: {
        tags: ['reviews'],
        summary:
          'Server-sent events for the agent: `outcome` frames (pending, then resolved with the decision); ends once resolved. A task still on its way is waited for',
        params: DecisionId,
        response: { 200: EventStreamReply },
      },
    },
    async (request, reply) => {
      const { decisionId } = request.params;
      let last = '';
      follow(
        deps,
        openEventStream(request, reply),
        (t) => t.kind === 'task' && t.id === decisionId,
        async (send) => {
          const task = await deps.store.task(decisionId);
          if (task === undefined) return false;
          const view = outcomeView(task);
          if (view.status === last) return false;
          last = view.status;
          send('outcome', view);
          return task.status === 'resolved';
        },
      );
      return reply;
    },
  );

  app.get<{ Querystring: { queue?: string } }>(
    '/api/v1/reviews/events',
    {
      config: { auth: { roles: REVIEW_READ_ROLES } },
      schema: {
        tags: ['reviews'],
        summary:
          'Server-sent events for reviewers: a `task` frame each time a task (of `queue`, or any) opens, is claimed or is resolved',
        querystring: Type.Object(
          { queue: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: EventStreamReply },
      },
    },
    async (request, reply) => {
      const { queue } = request.query;
      const stream = openEventStream(request, reply);
      const stop = deps.feed.listen((topic, eventId) => {
        if (topic.kind !== 'task' || (queue !== undefined && topic.queue !== queue)) return;
        void deps.store.task(topic.id).then(
          (task) => task !== undefined && stream.send('task', taskView(task), eventId),
          (error: unknown) => deps.logger.warn({ err: error }, 'review stream: task not read'),
        );
      });
      stream.onClose(stop);
      stream.onClose(deps.feed.onStop(() => stream.end()));
      return reply;
    },
  );
}

/**
 * Renders the current state on `stream` now and after every change of a matching topic, one
 * render at a time (changes during a render cause one more); `render` returns true when the state
 * is final, which ends the stream.
 */
function follow(
  deps: CouncilDeps,
  stream: EventStream,
  matches: (topic: FeedTopic) => boolean,
  render: (send: (event: string, data: unknown) => void) => Promise<boolean>,
): void {
  let eventId: string | undefined;
  let running = false;
  let again = false;
  const send = (event: string, data: unknown) => stream.send(event, data, eventId);
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (stream.closed) return;
        if (await render(send)) stream.end();
      } while (again);
    } catch (error) {
      deps.logger.warn({ err: error }, 'council stream: state not read; ending the stream');
      stream.end();
    } finally {
      running = false;
    }
  };
  const stop = deps.feed.listen((topic, id) => {
    if (!matches(topic)) return;
    eventId = id;
    void run();
  });
  stream.onClose(stop);
  stream.onClose(deps.feed.onStop(() => stream.end()));
  void run();
}
