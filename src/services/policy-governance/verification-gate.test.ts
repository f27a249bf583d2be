/**
 * The verification gate with the real verifier (Z3): a bundle that violates an invariant is
 * refused with the counterexample, the example bundle passes, an unreachable verifier fails
 * closed (503), and each refusal is counted by reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { exampleStoredBundle } from '../../../test/support/constitution-fixture.js';
import { recordingIntegrity } from '../../../test/support/recording-integrity.js';
import type { LogAppendRequest } from '../../kernel/contracts/integrity.js';
import type { VerificationContract } from '../../kernel/contracts/verification.js';
import { PlatformError } from '../../kernel/errors.js';
import { loadPolicies } from '../../policy/index.js';
import { LocalVerifier } from '../formal-verification/local-verifier.js';
import { z3Solver } from '../formal-verification/smt/z3-solver.js';
import { compileBundle } from './active-bundle.js';
import { refusalCounter, verificationGate } from './verification-gate.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

async function bundleOf(policies: readonly unknown[]) {
  return compileBundle(exampleStoredBundle('b', policies));
}

describe('verification activation gate', () => {
  const appended: LogAppendRequest[] = [];
  // The log is recorded in memory here; the verifier itself is real.
  const verifier = new LocalVerifier({
    solver: z3Solver,
    constitution: () => {
      throw new Error('the gate passes the document');
    },
    integrity: () => recordingIntegrity(appended),
  });
  const registry = new Registry();
  const gate = verificationGate(verifier, refusalCounter(registry));

  it('passes the example bundle and refuses one that violates an invariant, with the counterexample', {
    timeout: 300_000,
  }, async () => {
    const loaded = await loadPolicies(`${ROOT}examples/constitution/policies`);
    const policies = loaded.policies.map((p) => p.policy);
    assert.deepEqual(await gate.check(await bundleOf(policies)), []);
    // Raise the small-refund limit above the invariant's 100 and drop the review of larger refunds.
    const broken = policies
      .filter((p) => p.id !== 'refunds.review-above-limit')
      .map((p) =>
        p.id === 'refunds.allow-small'
          ? { ...p, condition: "'support-agent' in principal.roles && action.amount <= 500.0" }
          : p,
      );
    const failures = await gate.check(await bundleOf(broken));
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.equal(failures[0]!.subject, 'finance.refund-review-above-100');
    assert.match(failures[0]!.detail, /counterexample .*"issue_refund".* is decided allow/);
    const metrics = await registry.getSingleMetricAsString('acgs_verification_refusals_total');
    assert.match(metrics, /reason="violated"} 1/);
    assert.ok(
      appended.some(
        (e) =>
          e.type === 'verification.report' && (e.payload as { violated: string[] }).violated.length === 1,
      ),
    );
  });

  it('fails closed with 503 when the verifier cannot be reached', async () => {
    const unreachable: Pick<VerificationContract, 'verify'> = {
      verify: async () => {
        throw new PlatformError(
          'DEPENDENCY_UNAVAILABLE',
          503,
          'A dependency is unavailable',
          'connect ECONNREFUSED',
        );
      },
    };
    const closed = verificationGate(unreachable, refusalCounter(registry));
    const loaded = await loadPolicies(`${ROOT}examples/constitution/policies`);
    await assert.rejects(closed.check(await bundleOf(loaded.policies.map((p) => p.policy))), (e: unknown) => {
      assert.ok(e instanceof PlatformError);
      assert.equal(e.status, 503);
      assert.equal(e.code, 'PGC_VERIFIER_UNAVAILABLE');
      return true;
    });
    assert.match(
      await registry.getSingleMetricAsString('acgs_verification_refusals_total'),
      /reason="unreachable"} 1/,
    );
  });
});
