import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { PolicyGovernanceContract } from '../../kernel/contracts/policy-governance.js';
import type { EventEnvelope } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import type { OutboxRelay } from '../../kit/outbox-relay.js';
import type { CouncilFeed } from './council-feed.js';
import type { CouncilSettings } from './council-settings.js';
import type { OutcomeWaiters } from './outcome-waiters.js';
import type { CouncilStore } from './store.js';

/** What the council's use cases work with. */
export interface CouncilDeps {
  readonly store: CouncilStore;
  readonly relay: OutboxRelay;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: CouncilSettings;
  readonly constitution: ConstitutionContract;
  /** The PGC as this process reaches it (undefined until wired: the PGC and the council call each other). */
  policies(): PolicyGovernanceContract | undefined;
  /** Names this replica in enactment claims. */
  readonly instanceId: string;
  readonly outcomes: OutcomeWaiters;
  /** Changes of proposals and review tasks, for the event streams (every replica's). */
  readonly feed: CouncilFeed;
}

/** A council event, ready for the outbox. */
export function councilEvent<Data>(type: string, data: Data, nowMs: number): EventEnvelope<Data> {
  return { id: newId(nowMs), type, source: 'ec', time: new Date(nowMs).toISOString(), data };
}
