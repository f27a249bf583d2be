import type { Contracts } from '../../kernel/contracts/index.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { LocalVerifier } from './local-verifier.js';
import { verificationRoutes } from './plugin.js';
import { z3Solver } from './smt/z3-solver.js';
import { WorkerVerifier } from './worker/worker-verifier.js';

export interface FormalVerificationService extends ServiceModule {
  /** The verification contract in-process (for the PGC's activation gate in this process). */
  readonly contract: LocalVerifier;
}

/**
 * Builds the Formal Verification service. `contracts` is read lazily: the wiring builds the
 * providers of contracts before it has the full record.
 */
export function createFormalVerificationService(
  _context: ServiceContext,
  contracts: () => Pick<Contracts, 'constitution' | 'integrity'>,
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
  return {
    descriptor: SERVICES.fv,
    routes: verificationRoutes(contract),
    contract,
    async start() {
      // The threads load Z3 now, so the first verification does not wait for it.
      runner.start();
    },
    async stop() {
      await runner.close();
    },
  };
}

/** Threads for verifications: a whole number from 1 to 8 (default 1). */
function verifyThreads(text: string | undefined): number {
  const n = text === undefined ? 1 : Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : 1;
}
