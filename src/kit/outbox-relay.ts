import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.js';
import type { EventEnvelope } from '../kernel/events.js';

/** A service's outbox table, as the relay reads it: oldest first. */
export interface EventOutbox {
  pending(limit: number): Promise<EventEnvelope[]>;
  /** Deletes the rows of events the bus has taken (one statement: one commit for a whole batch). */
  remove(eventIds: readonly string[]): Promise<void>;
}

/**
 * Moves a service's events from its outbox table to the bus. A change commits its event in the
 * same transaction as itself, so an acknowledged change is never without its event: while the
 * bus is down the event waits in the table, and a crash between the bus taking it and its row
 * being deleted means a repeat, which consumers drop by event id. Replicas may relay a row twice.
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** Names the events in the warning logged while the bus refuses them. */
    private readonly what: string,
  ) {}

  /** Publishes every waiting event in order; resolves when the outbox is empty or the bus refuses. */
  flush(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again);
      } catch (error) {
        this.logger.warn({ err: error }, `${this.what} not yet on the bus; they wait in the outbox`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.outbox.pending(100);
      if (events.length === 0) return;
      // Handed to the bus together and in order (the local bus stores them in one transaction,
      // NATS receives them in order on one connection); the rows of the events stored before the
      // first refusal go in one delete. A crash in between repeats events, which consumers drop
      // by id; events after a refusal stay too and are published again with it.
      const outcomes = await Promise.allSettled(events.map((event) => this.bus.publish(event)));
      const refused = outcomes.findIndex((o) => o.status === 'rejected');
      const published = events.slice(0, refused < 0 ? events.length : refused).map((e) => e.id);
      await this.outbox.remove(published);
      if (refused >= 0) throw (outcomes[refused] as PromiseRejectedResult).reason;
    }
  }
}
