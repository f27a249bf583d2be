import { fileURLToPath } from 'node:url';
import type { Subscription } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import type { IntegrityContract } from '../../kernel/contracts/integrity.js';
import { type PolicyGovernanceContract, unprovedImpact } from '../../kernel/contracts/policy-governance.js';
import type { VerificationContract } from '../../kernel/contracts/verification.js';
import { EVENT_TYPES, subjectOf } from '../../kernel/events.js';
import { SERVICES } from '../../kernel/services.js';
import { resealStoredSecrets, type SealedColumn } from '../../kit/reseal-secrets.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { type ActivationGate, scenarioGate } from './activation-gates.js';
import { ActiveBundle } from './active-bundle.js';
import { BundleCache } from './bundle-cache.js';
import { BundleSigner } from './bundle-signer.js';
import { DecisionLog, MAX_QUEUED } from './decision-log.js';
import { DecisionMetrics } from './decision-metrics.js';
import { InProcessPolicyGovernance } from './pgc-contract.js';
import type { PgcDeps } from './pgc-deps.js';
import { policyGovernanceRoutes } from './plugin.js';
import { PrincipalPseudonyms } from './principal-pseudonyms.js';
import { PgcStore } from './store.js';
import { bootstrapPolicies } from './usecases/bootstrap-policies.js';
import { syncActiveBundle } from './usecases/sync-active-bundle.js';
import { verifierImpact } from './verifier-impact.js';

export interface PolicyGovernanceContracts {
  readonly constitution: ConstitutionContract;
  readonly integrity: IntegrityContract;
  /** Gates after the scenario gate (the formal verifier's, once it exists). */
  readonly extraGates?: readonly ActivationGate[];
  /** The council (a function: it is wired after the PGC, each calls the other). */
  readonly council?: () => CouncilContract | undefined;
  /** The formal verifier, for the impact of a change (break-glass, narrowing proposals); without it nothing is proved narrowing. */
  readonly verification?: VerificationContract;
}

/** The example constitution's policy set (dist/src/services/policy-governance → root). */
export const EXAMPLE_POLICY_DIR = fileURLToPath(
  new URL('../../../../examples/constitution/policies', import.meta.url),
);

/**
 * Which policy directory to activate on start when no bundle is active: ACGS_POLICY_DIR, else, in
 * embedded mode with the example constitution (no ACGS_CONSTITUTION_FILE), the example's policies.
 */
export function policyDirOf(context: Pick<ServiceContext, 'config'>): string | undefined {
  const { policyDir, constitutionFile, mode } = context.config;
  if (policyDir === 'none') return undefined;
  if (policyDir !== undefined) return policyDir;
  return mode === 'embedded' && constitutionFile === undefined ? EXAMPLE_POLICY_DIR : undefined;
}

/** How often a replica re-reads the active pointer, in case it missed an activation event. */
const POINTER_POLL_MS = 1000;

/** Where the PGC keeps secrets: the bundle-signing keys and the principal pseudonym key. */
const PGC_SECRETS: readonly SealedColumn[] = [
  { table: 'pgc_signing_keys', key: 'id', column: 'private_key' },
  { table: 'pgc_secrets', key: 'name', column: 'value' },
];

/** Builds the Policy Governance Compiler service from the adapters the wiring layer picked. */
export function createPolicyGovernanceService(
  context: ServiceContext,
  contracts: PolicyGovernanceContracts,
): ServiceModule & { readonly deps: PgcDeps; readonly contract: PolicyGovernanceContract } {
  const store = new PgcStore(context.database);
  const logger = context.logger.child({ component: 'pgc' });
  const metrics = new DecisionMetrics(context.metrics);
  const active = new ActiveBundle();
  let signer: Promise<BundleSigner> | undefined;
  const deps: PgcDeps = {
    store,
    active,
    bundles: new BundleCache(),
    log: new DecisionLog(contracts.integrity, store, context.bus, logger, systemClock.now),
    metrics,
    principalIds: new PrincipalPseudonyms(context.database),
    signer: (reload = false) => {
      if (reload) signer = undefined;
      signer ??= BundleSigner.open(store, systemClock.now()).catch((error: unknown) => {
        signer = undefined;
        throw error;
      });
      return signer;
    },
    constitution: contracts.constitution,
    bus: context.bus,
    clock: systemClock,
    logger,
    gates: [scenarioGate, ...(contracts.extraGates ?? [])],
    council: contracts.council ?? (() => undefined),
    impact:
      contracts.verification === undefined
        ? unprovedImpact
        : verifierImpact({ verifier: contracts.verification, bundle: (id) => store.bundle(id) }),
  };
  metrics.watchLogQueue(() => deps.log.waiting(), MAX_QUEUED, context.metrics);
  active.onSwap((bundle) => {
    metrics.activeBundle(bundle);
    logger.info({ bundleId: bundle.id, generation: bundle.generation }, 'policy bundle swapped in');
  });
  let subscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastSyncError: unknown;
  const sync = () =>
    syncActiveBundle(deps).then(
      () => {
        lastSyncError = undefined;
      },
      (error: unknown) => {
        lastSyncError = error;
        logger.error({ err: error }, 'active policy bundle could not be loaded');
      },
    );
  return {
    descriptor: SERVICES.pgc,
    routes: policyGovernanceRoutes(deps),
    // Ready when this replica decides with the bundle the deployment has activated. Before any
    // activation every replica is in the same state (decisions answer 503 PGC_NO_ACTIVE_BUNDLE)
    // and stays ready, so the first activation can reach a replica through a load balancer.
    readiness: [
      {
        name: 'bundle',
        async check() {
          const pointer = await store.active();
          if (pointer === undefined) return;
          const current = active.current;
          if (current === undefined || current.generation < pointer.generation) {
            const why = lastSyncError instanceof Error ? `: ${lastSyncError.message}` : '';
            throw new Error(
              `active bundle ${pointer.bundleId.slice(0, 12)} (generation ${pointer.generation}) is not loaded here${why}`,
            );
          }
        },
      },
    ],
    deps,
    contract: new InProcessPolicyGovernance(deps),
    async start() {
      const resealed = await resealStoredSecrets(context.database, PGC_SECRETS);
      if (resealed > 0) logger.info({ resealed }, 'secrets sealed again with the current KEK');
      await deps.signer();
      await deps.principalIds.ready();
      const dir = policyDirOf(context);
      if (dir !== undefined) {
        const activation = await bootstrapPolicies(deps, dir);
        if (activation !== undefined)
          logger.info({ dir, bundleId: activation.bundleId }, 'policy bundle bootstrapped from a directory');
      }
      await sync();
      deps.log.start();
      // A consumer per process: the bus shares a consumer's deliveries between its subscribers,
      // and every replica must see every activation. Ephemeral: gone when the process stops, and
      // removed by the bus when the process died without stopping.
      subscription = await context.bus.subscribe({
        durable: `pgc-bundles-${context.instanceId}`,
        subjects: [subjectOf({ source: 'pgc', type: EVENT_TYPES.policyBundleActivated })],
        ephemeral: true,
        handler: async (message) => {
          await syncActiveBundle(deps);
          await message.ack();
        },
      });
      timer = setInterval(() => void sync(), POINTER_POLL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await subscription?.stop();
      await deps.log.stop();
    },
  };
}
