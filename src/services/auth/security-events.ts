import type { EVENT_TYPES } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import type { AuthDeps } from './auth-deps.js';

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
 * Publishes a security event. The state change it reports is already committed; if the bus is
 * down the event is logged as lost rather than failing the caller's request.
 */
export async function publishSecurityEvent(
  deps: Pick<AuthDeps, 'bus' | 'logger' | 'now'>,
  type: SecurityEventType,
  data: SecurityEventData,
): Promise<void> {
  const now = deps.now();
  try {
    await deps.bus.publish({ id: newId(now), type, source: 'auth', time: new Date(now).toISOString(), data });
  } catch (error) {
    deps.logger.error({ err: error, eventType: type }, 'security event not published');
  }
}
