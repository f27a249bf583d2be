/**
 * Moves events from the outbox to the bus. Every change commits its event in the same
 * transaction as the change, so an acknowledged change is never without its event: a crash
 * before the bus has it leaves the row, and the next flush (after the next change, on start,
 * or on the timer) publishes it. Consumers dedupe on the event id, so a repeat is harmless.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { ConstitutionStore } from './store.js';

export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: ConstitutionStore,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  /** Publishes every pending event in order; resolves when the outbox is empty or the bus refuses. */
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
        this.logger.warn({ err: error }, 'constitution events not yet on the bus; will retry');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.store.pendingEvents(100);
      if (events.length === 0) return;
      for (const event of events) {
        await this.bus.publish(event);
        await this.store.removeEvent(event.id);
      }
    }
  }
}
