import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import type { ImpactClassifier } from '../../kernel/contracts/policy-governance.js';
import type { ActivationGate } from './activation-gates.js';
import type { ActiveBundle } from './active-bundle.js';
import type { BundleCache } from './bundle-cache.js';
import type { BundleSigner } from './bundle-signer.js';
import type { DecisionLog } from './decision-log.js';
import type { DecisionMetrics } from './decision-metrics.js';
import type { PrincipalPseudonyms } from './principal-pseudonyms.js';
import type { PgcStore } from './store.js';

/** What the Policy Governance Compiler's use cases work with. */
export interface PgcDeps {
  readonly store: PgcStore;
  readonly active: ActiveBundle;
  readonly bundles: BundleCache;
  readonly log: DecisionLog;
  readonly metrics: DecisionMetrics;
  /** How decision entries name a request's principal (a keyed hash of its id). */
  readonly principalIds: PrincipalPseudonyms;
  /**
   * The bundle keys (opened on first use); `reload` reads them again, for a key another replica
   * added by a rotation.
   */
  signer(reload?: boolean): Promise<BundleSigner>;
  readonly constitution: ConstitutionContract;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Activation gates, run in order (scenarios first; the formal verifier's gate joins here). */
  readonly gates: readonly ActivationGate[];
  /** The council as this process reaches it (a function: wired after the PGC); undefined: none. */
  readonly council: () => CouncilContract | undefined;
  /** Whether a change narrows what is allowed (the formal verifier's impact check, once wired). */
  readonly impact: ImpactClassifier;
}
