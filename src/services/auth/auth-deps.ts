import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { CacheStore } from '../../cache/cache-store.js';
import type { AuthSettings } from './auth-settings.js';
import type { PiiPseudonymizer } from './pii-pseudonyms.js';
import type { PrincipalBindingStore } from './principal-bindings.js';
import type { SecurityEventOutbox } from './security-events.js';
import type { SigningKeyRing } from './signing-key-ring.js';
import type { AuthStore } from './store.js';

/** What the Auth use cases work with. */
export interface AuthDeps {
  readonly store: AuthStore;
  /** Which principal each account decides as (DESIGN.md §2, Identity). */
  readonly bindings: PrincipalBindingStore;
  readonly cache: CacheStore;
  readonly bus: EventBus;
  readonly keyRing: SigningKeyRing;
  /** Where security events go: the outbox, then the bus. */
  readonly events: SecurityEventOutbox;
  readonly settings: AuthSettings;
  /** Keyed hashes of personal data, and every account's pseudonym (`psn` in its tokens). */
  readonly pseudonyms: PiiPseudonymizer;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}
