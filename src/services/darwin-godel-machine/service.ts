import { systemClock } from '../../kernel/clock.js';
import type { Contracts } from '../../kernel/contracts/index.js';
import type { PolicyChangeContract } from '../../kernel/contracts/synthesis.js';
import { SERVICES } from '../../kernel/services.js';
import type { DurableJobQueueSettings } from '../../kit/durable-job-queue.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { EvolutionRuns } from './evolution-runs.js';
import { evolutionRoutes } from './plugin.js';
import { modelProposalOperator } from './search/model-proposal-operator.js';
import type { MutationOperator } from './search/operator.js';
import { DEFAULT_OPERATORS } from './search/operators.js';
import { EvolutionStore } from './store.js';

export interface EvolutionContracts extends Pick<Contracts, 'constitution' | 'verification' | 'council'> {
  readonly settings?: DurableJobQueueSettings;
  /** Defaults to the built-in operators (with `model-proposal` when `changes` is given). */
  readonly operators?: readonly MutationOperator[];
  /** The synthesis service's model-proposed changes, when a model is configured there. */
  readonly changes?: PolicyChangeContract;
}

export interface DarwinGodelMachineService extends ServiceModule {
  readonly runs: EvolutionRuns;
  /** The ids of the operators its searches draw from. */
  readonly operators: readonly string[];
}

/** Runs waiting or running per process 10, lease 60 s, 3 attempts. */
export const DEFAULT_RUN_SETTINGS: DurableJobQueueSettings = {
  capacity: 10,
  leaseMs: 60_000,
  maxAttempts: 3,
};

/** Builds the Darwin Gödel Machine service from the adapters the wiring layer picked. */
export function createDarwinGodelMachineService(
  context: ServiceContext,
  contracts: EvolutionContracts,
): DarwinGodelMachineService {
  const settings = contracts.settings ?? DEFAULT_RUN_SETTINGS;
  const operators =
    contracts.operators ??
    (contracts.changes === undefined
      ? DEFAULT_OPERATORS
      : [...DEFAULT_OPERATORS, modelProposalOperator(contracts.changes)]);
  const runs = new EvolutionRuns(
    {
      store: new EvolutionStore(context.database),
      constitution: contracts.constitution,
      verifier: contracts.verification,
      council: contracts.council,
      operators,
      clock: systemClock,
      owner: context.instanceId,
      leaseMs: settings.leaseMs,
      logger: context.logger.child({ component: 'evolution' }),
    },
    settings,
  );
  return {
    descriptor: SERVICES.dgm,
    routes: evolutionRoutes(runs, contracts.constitution),
    runs,
    operators: operators.map((o) => o.id),
    start: () => runs.start(),
    stop: () => runs.stop(),
  };
}
