import { systemClock } from '../../kernel/clock.js';
import type { Contracts } from '../../kernel/contracts/index.js';
import { SERVICES } from '../../kernel/services.js';
import type { DurableJobQueueSettings } from '../../kit/durable-job-queue.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { LocalVerifier } from './local-verifier.js';
import { verificationRoutes } from './plugin.js';
import { z3Solver } from './smt/z3-solver.js';
import { VerificationStore } from './store.js';
import { DEFAULT_JOB_SETTINGS, VerificationJobs } from './usecases/verification-jobs.js';
import { WorkerVerifier } from './worker/worker-verifier.js';

export interface FormalVerificationService extends ServiceModule {
  /** The verification contract in-process (for the PGC's activation gate in this process). */
  readonly contract: LocalVerifier;
  readonly jobs: VerificationJobs;
}

/**
 * Builds the Formal Verification service. `contracts` is read lazily: the wiring builds the
 * providers of contracts before it has the full record.
 */
export function createFormalVerificationService(
  context: ServiceContext,
  contracts: () => Pick<Contracts, 'constitution' | 'integrity'>,
  jobSettings: DurableJobQueueSettings = DEFAULT_JOB_SETTINGS,
): FormalVerificationService {
  // Verifications run on their own thread(s), each with its own Z3: this event loop only passes
  // messages (ACGS_VERIFY_THREADS, default 1), and the threads run below its priority (nice 10).
  const runner = new WorkerVerifier(z3Solver.name, verifyThreads(process.env.ACGS_VERIFY_THREADS), 10);
  const contract = new LocalVerifier({
    solver: z3Solver,
    runner,
    constitution: () => contracts().constitution,
    integrity: () => contracts().integrity,
  });
  const jobs = new VerificationJobs(
    {
      verifier: contract,
      store: new VerificationStore(context.database),
      clock: systemClock,
      owner: context.instanceId,
      logger: context.logger.child({ component: 'verification-jobs' }),
    },
    jobSettings,
  );
  return {
    descriptor: SERVICES.fv,
    routes: verificationRoutes(contract, jobs),
    contract,
    jobs,
    async start() {
      // The threads load Z3 now, so the first verification does not wait for it.
      runner.start();
      await jobs.startQueue();
    },
    async stop() {
      // The running job is let go first (the next process runs it again), then the threads end.
      await jobs.stopQueue();
      await runner.close();
    },
  };
}

/** Threads for verifications: a whole number from 1 to 8 (default 1). */
function verifyThreads(text: string | undefined): number {
  const n = text === undefined ? 1 : Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : 1;
}
