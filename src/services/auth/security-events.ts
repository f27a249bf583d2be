import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { EVENT_TYPES } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import type { AuthStore } from './store.js';

type SecurityEventType =
  | typeof EVENT_TYPES.authLoginSucceeded
  | typeof EVENT_TYPES.authLoginFailed
  | typeof EVENT_TYPES.authAccountLocked
  | typeof EVENT_TYPES.authRefreshReused
  | typeof EVENT_TYPES.authLoggedOut
  | typeof EVENT_TYPES.authUserCreated
  | typeof EVENT_TYPES.authUserDisabled
  | typeof EVENT_TYPES.authApiKeyCreated
  | typeof EVENT_TYPES.authApiKeyRevoked
  | typeof EVENT_TYPES.authSigningKeyRotated;

/**
 * Payload of every Auth security event: who (account name / id), from where, and what — never a
 * password, token, key or code. The Integrity service records these in the log.
 */
export interface SecurityEventData {
  readonly username?: string;
  readonly userId?: string;
  readonly ip?: string;
  readonly reason?: string;
  readonly keyId?: string;
  readonly keyPrefix?: string;
  readonly sessionId?: string;
  readonly roles?: readonly string[];
  readonly actor?: string;
  readonly kid?: string;
}

/**
 * Security events go through an outbox: each is committed to `auth_outbox` first, then moved to
 * the bus (at once in the background, and by a timer). While the bus is down they wait in the
 * database instead of being lost; a crash between the bus taking one and its row being deleted
 * means a repeat, which consumers drop by event id. Replicas may relay the same row twice, too.
 */
export class SecurityEventOutbox {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly store: AuthStore,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Commits the event, then starts moving it to the bus without waiting for the bus. */
  async record(type: SecurityEventType, data: SecurityEventData): Promise<void> {
    const now = this.now();
    await this.store.insertOutboxEvent({
      id: newId(now),
      type,
      source: 'auth',
      time: new Date(now).toISOString(),
      data,
    });
    void this.flush();
  }

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
        this.logger.warn({ err: error }, 'security events not yet on the bus; they wait in the outbox');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.store.pendingOutboxEvents(100);
      if (events.length === 0) return;
      for (const event of events) {
        await this.bus.publish(event);
        await this.store.removeOutboxEvent(event.id);
      }
    }
  }
}

/** Records a security event (see `SecurityEventOutbox`). */
export async function publishSecurityEvent(
  deps: { readonly events: SecurityEventOutbox },
  type: SecurityEventType,
  data: SecurityEventData,
): Promise<void> {
  await deps.events.record(type, data);
}
