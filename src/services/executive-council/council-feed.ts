/**
 * What the council's event streams listen to: a change of a proposal or a review task, by topic.
 * Every replica subscribes to the council's own events on the bus (a consumer per process,
 * `ephemeral`, like the PGC's bundle swaps), so a stream on any replica hears of a change made on
 * any other; a change that has no event (a reviewer's claim) is announced by the replica that made
 * it. A notification carries no state: each stream re-reads what it shows, so notifications may
 * repeat or arrive out of order without a stream ever showing a stale state after a newer one.
 */
import type { EventBus, Subscription } from '../../bus/event-bus.js';
import type { EventEnvelope } from '../../kernel/events.js';
import { COUNCIL_EVENTS } from './council-events.js';
import type { OutcomeWaiters } from './outcome-waiters.js';

export type FeedTopic =
  | { readonly kind: 'proposal'; readonly id: string }
  | { readonly kind: 'task'; readonly id: string; readonly queue: string };

type Listener = (topic: FeedTopic, eventId: string | undefined) => void;

export class CouncilFeed {
  readonly #listeners = new Set<Listener>();
  readonly #closers = new Set<() => void>();
  #subscription: Subscription | undefined;

  constructor(private readonly outcomes: OutcomeWaiters) {}

  /** Calls `listener` on every change until the returned function is called. */
  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Announces a change made here that has no event on the bus. */
  notify(topic: FeedTopic, eventId?: string): void {
    if (topic.kind === 'task') this.outcomes.notify(topic.id);
    for (const listener of [...this.#listeners]) listener(topic, eventId);
  }

  /** Registers a stream to end when the service stops (a graceful shutdown must not wait for it). */
  onStop(close: () => void): () => void {
    this.#closers.add(close);
    return () => this.#closers.delete(close);
  }

  async start(bus: EventBus, instanceId: string): Promise<void> {
    this.#subscription = await bus.subscribe({
      durable: `ec-feed-${instanceId}`,
      subjects: ['acgs.ec.>'],
      ephemeral: true,
      handler: async (message) => {
        for (const topic of topicsOf(message.event)) this.notify(topic, message.event.id);
        await message.ack();
      },
    });
  }

  /** Ends every open stream (at shutdown, before the server waits for requests in flight). */
  closeStreams(): void {
    for (const close of [...this.#closers]) close();
  }

  async stop(): Promise<void> {
    this.closeStreams();
    await this.#subscription?.stop();
  }
}

/** What a council event is about (a review event may name several tasks: one per decision of a log entry). */
function topicsOf(event: EventEnvelope): FeedTopic[] {
  const data = (event.data ?? {}) as {
    proposalId?: unknown;
    decisionId?: unknown;
    queue?: unknown;
    reviews?: unknown;
  };
  const task = (review: { decisionId?: unknown; queue?: unknown }): FeedTopic[] =>
    typeof review.decisionId === 'string'
      ? [{ kind: 'task', id: review.decisionId, queue: String(review.queue) }]
      : [];
  switch (event.type) {
    case COUNCIL_EVENTS.reviewOpened:
    case COUNCIL_EVENTS.reviewResolved:
      return Array.isArray(data.reviews)
        ? (data.reviews as { decisionId?: unknown; queue?: unknown }[]).flatMap(task)
        : task(data);
    case COUNCIL_EVENTS.proposalOpened:
    case COUNCIL_EVENTS.voteCast:
    case COUNCIL_EVENTS.proposalClosed:
    case COUNCIL_EVENTS.proposalCancelled:
    case COUNCIL_EVENTS.proposalEnacted:
    case COUNCIL_EVENTS.enactmentFailed:
      return typeof data.proposalId === 'string' ? [{ kind: 'proposal', id: data.proposalId }] : [];
    default:
      return [];
  }
}
