import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { CouncilContract } from '../../kernel/contracts/council.js';
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
  /**
   * The council as this process reaches it, asked at each enactment whether a passed proposal
   * authorises it (a function: the council is wired after this service). No council: enactment
   * is refused.
   */
  readonly council?: () => CouncilContract | undefined;
}
