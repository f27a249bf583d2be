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
      // Submitted together, in order, so a bus that group-commits stores the batch in one
      // transaction (one at a time, each event cost a commit of its own). The rows of the events
      // the bus took go in one delete, even when it refused some (those are sent again on the
      // next flush; a repeat is dropped by consumers by id).
      const outcomes = await Promise.allSettled(events.map((event) => this.bus.publish(event)));
      await this.outbox.remove(events.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((e) => e.id));
      const refused = outcomes.find((o) => o.status === 'rejected');
      if (refused !== undefined) throw refused.reason;
    }
  }
}
