import { join, resolve } from 'node:path';
import type { Subscription } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { EVENT_TYPES, subjectOf } from '../../kernel/events.js';
import { SERVICES } from '../../kernel/services.js';
import { resealStoredSecrets } from '../../kit/reseal-secrets.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import type { DatabaseListener } from '../../storage/database.js';
import { integrityErrors } from './errors.js';
import { InProcessIntegrity } from './log-contract.js';
import type { LogDeps } from './log-deps.js';
import { createLogMetrics } from './log-metrics.js';
import { LogScrubber } from './log-scrubber.js';
import { LogSelfCheck, verifyStoredFrontier } from './log-self-check.js';
import { LogSequencer, wakeOnHandOvers } from './log-sequencer.js';
import { loadLogSettings } from './log-settings.js';
import { integrityRoutes } from './plugin.js';
import { PostgresAdvisoryLease, SingleProcessLease } from './sequencer-lease.js';
import { type LogIdentity, loadLogIdentity, SIGNING_KEY_META } from './signing-keys.js';
import { createLogStore } from './sql-log-store.js';
import { createEventRecorder, INTAKE_CONSUMER } from './usecases/record-platform-event.js';

export interface IntegrityService extends ServiceModule {
  /** The in-process contract that the wiring layer hands to other services in embedded mode. */
  readonly contract: InProcessIntegrity;
}

/** File holding the generated signing key in embedded mode (inside ACGS_DATA_DIR). */
export const SIGNING_KEY_FILE = 'integrity-log-signing.key';

/** How many bus events the intake appends at once: they share group commits. */
const INTAKE_CONCURRENCY = 64;

/**
 * Events the intake does not log: they announce something already in the log and name its entry
 * (a `policy.decision.review` carries the leaf hash and index of the decision entry it comes
 * from), so logging them again would only double the log's write load on the enforcement path.
 */
export const INTAKE_EXCLUDED_SUBJECTS = [
  subjectOf({ source: 'pgc', type: EVENT_TYPES.policyDecisionReview }),
] as const;

/**
 * Builds the Integrity service: the Merkle log (group-committing sequencer, signed checkpoints,
 * proofs), its routes, and the intake that appends every platform event from the bus.
 */
export function createIntegrityService(context: ServiceContext): IntegrityService {
  const settings = loadLogSettings();
  const store = createLogStore(context.database);
  const distributed = context.database.dialect === 'postgres';
  const metrics = createLogMetrics(context.metrics);
  const selfCheck = new LogSelfCheck(context.metrics);
  const scrubber = new LogScrubber(
    store,
    selfCheck,
    context.metrics,
    { entriesPerSecond: settings.scrubRate, bytesPerSecond: settings.scrubBytesRate },
    context.logger,
  );
  let identity: LogIdentity | undefined;
  let sequencer: LogSequencer | undefined;
  const notStarted = () => integrityErrors.create('LOG_STOPPED', 'the log is not running');
  const deps: LogDeps = {
    store,
    clock: systemClock,
    selfCheck,
    get identity(): LogIdentity {
      if (!identity) throw notStarted();
      return identity;
    },
    get sequencer(): LogSequencer {
      if (!sequencer) throw notStarted();
      return sequencer;
    },
  };
  let subscription: Subscription | undefined;
  let handOvers: DatabaseListener | undefined;
  return {
    descriptor: SERVICES.integrity,
    routes: integrityRoutes(deps, settings.clientTimeSkewMs),
    readiness: [selfCheck.readiness],
    contract: new InProcessIntegrity(deps),
    async start() {
      const home = distributed
        ? ({ kind: 'database' } as const)
        : ({ kind: 'file', path: join(resolve(context.config.dataDir), SIGNING_KEY_FILE) } as const);
      // The log key kept in the database (distributed mode, no ACGS_LOG_SIGNING_KEY) is a secret.
      const resealed = await resealStoredSecrets(context.database, [
        { table: 'integrity_log_meta', key: 'name', column: 'value', rows: [SIGNING_KEY_META] },
      ]);
      if (resealed > 0)
        context.logger.info({ resealed }, 'integrity: log key sealed again with the current KEK');
      identity = await loadLogIdentity(store, settings, home, context.logger);
      // The stored tree must still have the signed root before anything is served from it.
      await verifyStoredFrontier(store, selfCheck);
      if (selfCheck.fault) {
        context.logger.error(
          { fault: selfCheck.fault },
          'integrity: the stored log does not match its signed checkpoint',
        );
      }
      sequencer = new LogSequencer(
        store,
        distributed ? new PostgresAdvisoryLease(context.database) : new SingleProcessLease(),
        identity,
        { ...settings, handOff: distributed },
        systemClock,
        context.logger,
        metrics,
      );
      await sequencer.start();
      handOvers = wakeOnHandOvers(context.database, sequencer);
      subscription = await context.bus.subscribe({
        durable: INTAKE_CONSUMER,
        subjects: ['acgs.>'],
        excludeSubjects: INTAKE_EXCLUDED_SUBJECTS,
        concurrency: INTAKE_CONCURRENCY,
        handler: createEventRecorder(deps, context.metrics, context.logger),
      });
      scrubber.start();
    },
    async stop() {
      await scrubber.stop();
      await subscription?.stop();
      await handOvers?.stop();
      await sequencer?.stop();
    },
  };
}
