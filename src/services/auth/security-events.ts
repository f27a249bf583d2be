import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { EVENT_TYPES } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import { OutboxRelay } from '../../kit/outbox-relay.js';
import type { AuthStore } from './store.js';

type SecurityEventType =
  | typeof EVENT_TYPES.authLoginSucceeded
  | typeof EVENT_TYPES.authLoginFailed
  | typeof EVENT_TYPES.authAccountLocked
  | typeof EVENT_TYPES.authAccountUnlocked
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
  /** Keyed hashes of the personal fields, as the event is published (pii-pseudonyms.ts). */
  readonly usernameHash?: string;
  readonly userIdHash?: string;
  readonly ipHash?: string;
  readonly actorHash?: string;
  readonly keyPrefixHash?: string;
  readonly reason?: string;
  readonly keyId?: string;
  readonly keyPrefix?: string;
  readonly sessionId?: string;
  readonly roles?: readonly string[];
  readonly actor?: string;
  readonly kid?: string;
  /** An API key's account may speak for other principals. */
  readonly delegate?: boolean;
}

/**
 * Security events go through an outbox: each is committed to `auth_outbox` first, then moved to
 * the bus (at once in the background, and by a timer). While the bus is down they wait in the
 * database instead of being lost; a crash between the bus taking one and its row being deleted
 * means a repeat, which consumers drop by event id. Replicas may relay the same row twice, too.
 */
export class SecurityEventOutbox {
  private readonly relay: OutboxRelay;

  constructor(
    private readonly store: AuthStore,
    bus: EventBus,
    logger: Logger,
    private readonly now: () => number,
    /** Replaces personal data by keyed hashes before the event leaves the service (pii-pseudonyms.ts). */
    private readonly pseudonymize: (data: SecurityEventData) => Promise<SecurityEventData> = async (data) =>
      data,
  ) {
    this.relay = new OutboxRelay(
      {
        pending: (limit) => store.pendingOutboxEvents(limit),
        remove: (ids) => store.removeOutboxEvents(ids),
      },
      bus,
      logger,
      'security events',
    );
  }

  /** Commits the event, then starts moving it to the bus without waiting for the bus. */
  async record(type: SecurityEventType, data: SecurityEventData): Promise<void> {
    const now = this.now();
    await this.store.insertOutboxEvent({
      id: newId(now),
      type,
      source: 'auth',
      time: new Date(now).toISOString(),
      data: await this.pseudonymize(data),
    });
    void this.flush();
  }

  /** Publishes every waiting event in order; resolves when the outbox is empty or the bus refuses. */
  flush(): Promise<void> {
    return this.relay.flush();
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
