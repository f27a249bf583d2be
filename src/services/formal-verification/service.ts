import type { Contracts } from '../../kernel/contracts/index.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { LocalVerifier } from './local-verifier.js';
import { verificationRoutes } from './plugin.js';
import { preloadZ3, z3Solver } from './smt/z3-solver.js';

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
  const contract = new LocalVerifier({
    solver: z3Solver,
    constitution: () => contracts().constitution,
    integrity: () => contracts().integrity,
  });
  return {
    descriptor: SERVICES.fv,
    routes: verificationRoutes(contract),
    contract,
    async start() {
      // Load Z3 now, so the first verification does not wait for it.
      void preloadZ3().catch(() => {});
    },
  };
}
