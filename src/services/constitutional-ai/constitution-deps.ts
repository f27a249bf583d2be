import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { ActiveConstitution } from '../../kit/active-constitution.js';
import type { CompiledVersions } from './compiled-versions.js';
import type { OutboxRelay } from './outbox-relay.js';
import type { ConstitutionStore } from './store.js';

/** What the service's use cases work with. */
export interface ConstitutionDeps {
  readonly store: ConstitutionStore;
  readonly relay: OutboxRelay;
  readonly clock: Clock;
  /** The hash this process stamps on responses; updated when a version is published here. */
  readonly active: ActiveConstitution;
  readonly compiled: CompiledVersions;
  readonly logger: Logger;
}
