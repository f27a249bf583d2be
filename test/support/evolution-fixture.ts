/**
 * Test support for the Darwin Gödel Machine: the example constitution and policy set, the
 * deliberately weakened copy of that set (examples/evolution/README.md), and the real formal
 * verifier (Z3) behind the Verification contract with its log kept in memory.
 */
import { fileURLToPath } from 'node:url';
import type { LogAppendRequest } from '../../src/kernel/contracts/integrity.js';
import type { VerificationContract } from '../../src/kernel/contracts/verification.js';
import { loadPolicies } from '../../src/policy/index.js';
import { LocalVerifier } from '../../src/services/formal-verification/local-verifier.js';
import { z3Solver } from '../../src/services/formal-verification/smt/z3-solver.js';
import { EXAMPLE_POLICIES, exampleConstitution } from './constitution-fixture.js';
import { recordingIntegrity } from './recording-integrity.js';

export { exampleConstitution };

/** The example policy set as plain policy objects. */
export async function examplePolicies(): Promise<Record<string, unknown>[]> {
  const loaded = await loadPolicies(EXAMPLE_POLICIES);
  return loaded.policies.map((p) => JSON.parse(JSON.stringify(p.policy)) as Record<string, unknown>);
}

/** The real verifier; `appended` collects what it would record in the log. */
export function realVerifier(): {
  verifier: VerificationContract & { calls: number };
  appended: LogAppendRequest[];
} {
  const appended: LogAppendRequest[] = [];
  const local = new LocalVerifier({
    solver: z3Solver,
    constitution: () => {
      throw new Error('the DGM passes the document');
    },
    integrity: () => recordingIntegrity(appended),
  });
  const verifier = {
    calls: 0,
    verify(request: Parameters<VerificationContract['verify']>[0]) {
      verifier.calls++;
      return local.verify(request);
    },
    classifyImpact: (request: Parameters<VerificationContract['classifyImpact']>[0]) =>
      local.classifyImpact(request),
  };
  return { verifier, appended };
}

export const WEAKENED_POLICIES = fileURLToPath(
  new URL('../../../examples/evolution/weakened-policies', import.meta.url),
);

/** The weakened copy of the example set (thresholds loosened, policies removed). */
export async function weakenedPolicies(): Promise<Record<string, unknown>[]> {
  const loaded = await loadPolicies(WEAKENED_POLICIES);
  return loaded.policies.map((p) => JSON.parse(JSON.stringify(p.policy)) as Record<string, unknown>);
}
