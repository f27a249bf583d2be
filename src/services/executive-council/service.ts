import type { Subscription } from '../../bus/event-bus.js';
import { type Clock, systemClock } from '../../kernel/clock.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { PolicyGovernanceContract } from '../../kernel/contracts/policy-governance.js';
import { EVENT_TYPES, type PolicyDecisionReviewData, subjectOf } from '../../kernel/events.js';
import { SERVICES } from '../../kernel/services.js';
import { OutboxRelay } from '../../kit/outbox-relay.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { InProcessCouncil } from './council-contract.js';
import type { CouncilDeps } from './council-deps.js';
import { CouncilFeed } from './council-feed.js';
import { CouncilScheduler } from './council-scheduler.js';
import { type CouncilSettings, loadCouncilSettings } from './council-settings.js';
import { OutcomeWaiters } from './outcome-waiters.js';
import { councilRoutes } from './plugin.js';
import { registerReviewTaskGauges } from './review-task-gauges.js';
import { CouncilStore } from './store.js';
import { openReviewTasks } from './usecases/review-tasks.js';

/** The durable bus consumer that turns review decisions into tasks (replicas share it). */
export const REVIEW_CONSUMER = 'council-reviews';

export interface CouncilContracts {
  readonly constitution: ConstitutionContract;
  /** The PGC, as a function: it is wired after the council (each calls the other). */
  readonly policies: () => PolicyGovernanceContract | undefined;
  readonly settings?: CouncilSettings;
  /** The service's time (tests move it); the system clock by default. */
  readonly clock?: Clock;
}

export interface ExecutiveCouncilService extends ServiceModule {
  /** The in-process contract that the wiring layer hands to the constitution service and the PGC. */
  readonly contract: InProcessCouncil;
  readonly deps: CouncilDeps;
  readonly scheduler: CouncilScheduler;
}

/** Builds the Executive Council service from the adapters the wiring layer picked. */
export function createExecutiveCouncilService(
  context: ServiceContext,
  contracts: CouncilContracts,
): ExecutiveCouncilService {
  const store = new CouncilStore(context.database);
  const logger = context.logger.child({ component: 'council' });
  const relay = new OutboxRelay(store.outbox, context.bus, logger, 'council events');
  const outcomes = new OutcomeWaiters();
  const deps: CouncilDeps = {
    store,
    relay,
    clock: contracts.clock ?? systemClock,
    logger,
    settings: contracts.settings ?? loadCouncilSettings(),
    constitution: contracts.constitution,
    policies: contracts.policies,
    instanceId: context.instanceId,
    outcomes,
    feed: new CouncilFeed(outcomes),
  };
  const contract = new InProcessCouncil(deps);
  const scheduler = new CouncilScheduler(deps);
  registerReviewTaskGauges(deps, context.metrics);
  let subscription: Subscription | undefined;
  let relayTimer: NodeJS.Timeout | undefined;
  return {
    descriptor: SERVICES.ec,
    routes: councilRoutes(deps, contract, scheduler),
    contract,
    deps,
    scheduler,
    async start() {
      subscription = await context.bus.subscribe<PolicyDecisionReviewData>({
        durable: REVIEW_CONSUMER,
        subjects: [subjectOf({ source: 'pgc', type: EVENT_TYPES.policyDecisionReview })],
        concurrency: 8,
        handler: async (message) => {
          await openReviewTasks(deps, message.event);
          await message.ack();
        },
      });
      await deps.feed.start(context.bus, context.instanceId);
      scheduler.start();
      // Events left in the outbox by a crash or an unreachable bus.
      relayTimer = setInterval(() => void relay.flush(), 5000);
      relayTimer.unref();
      void relay.flush();
    },
    async stop() {
      clearInterval(relayTimer);
      await deps.feed.stop();
      await subscription?.stop();
      await scheduler.stop();
    },
  };
}
