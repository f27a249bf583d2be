/**
 * Verifications on worker threads: the example's full report from a thread equals the one made
 * on this thread, this thread's event loop stays responsive meanwhile (its delay is measured),
 * coded errors cross the thread boundary as the same PlatformError, an impact classification
 * runs there too, and a closed verifier answers 503.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { EXAMPLE_POLICIES, exampleConstitution } from '../../../../test/support/constitution-fixture.js';
import { LOAD_PROOF_VERIFY_LIMITS } from '../../../../test/support/load-proof.js';
import { PlatformError } from '../../../kernel/errors.js';
import { loadPolicies } from '../../../policy/index.js';
import { z3Solver } from '../smt/z3-solver.js';
import type { VerificationReport } from '../verification-report.js';
import { inProcessVerifier, WorkerVerifier } from './worker-verifier.js';

const parsed = exampleConstitution();
const invariants = parsed.document.principles.flatMap((p) =>
  p.invariants.map((i) => ({ ...i, principleId: p.id })),
);
// Loaded from files: each policy carries its source position (and a function the thread does not get).
const policies = (await loadPolicies(EXAMPLE_POLICIES)).policies;
const input = {
  vocabulary: parsed.vocabulary,
  policies,
  defaultDecision: parsed.document.defaultDecision,
  invariants,
};

/** What must not differ between runs (the solver's witnesses may). */
const verdicts = (r: VerificationReport) => ({
  summary: r.summary,
  invariants: r.invariants.map((i) => [i.id, i.status]),
  conflicts: r.conflicts.map((c) => [...c.policies, c.winner]),
  findings: r.findings,
  coverage: r.coverage,
  notes: r.notes,
});

describe('WorkerVerifier', () => {
  const threads = new WorkerVerifier(z3Solver.name, 1, 10);
  after(() => threads.close());

  it('reports on a thread what this thread reports, with the event loop free meanwhile', {
    timeout: 600_000,
  }, async () => {
    threads.start();
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const progress: number[] = [];
    const fromThread = await threads.verify(input, {
      ...LOAD_PROOF_VERIFY_LIMITS,
      onProgress: (done) => progress.push(done),
    });
    delay.disable();
    const here = await inProcessVerifier(z3Solver).verify(input, LOAD_PROOF_VERIFY_LIMITS);
    assert.deepEqual(verdicts(fromThread), verdicts(here));
    assert.equal(fromThread.summary.proved, 22);
    assert.deepEqual(progress.at(-1), 1);
    // Work on this thread during the verification would show as long delays (in-process, the
    // longest is seconds: encoding, replays and answer parsing run between the solver's calls).
    const p99 = delay.percentile(99) / 1e6;
    const max = delay.max / 1e6;
    assert.ok(
      p99 < 100 && max < 1_000,
      `event loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
  });

  it('two threads, each with its share of the questions, merge into the same verdicts', {
    timeout: 600_000,
  }, async () => {
    const two = new WorkerVerifier(z3Solver.name, 2);
    try {
      const [split, whole] = await Promise.all([
        two.verify(input, LOAD_PROOF_VERIFY_LIMITS),
        threads.verify(input, LOAD_PROOF_VERIFY_LIMITS),
      ]);
      assert.deepEqual(verdicts(split), verdicts(whole));
      assert.deepEqual(
        split.conflicts.map((c) => c.policies.join(' × ')),
        whole.conflicts.map((c) => c.policies.join(' × ')),
      );
    } finally {
      await two.close();
    }
  });

  it('carries coded errors across and classifies impact on the thread', { timeout: 300_000 }, async () => {
    await assert.rejects(
      threads.verify(
        {
          ...input,
          policies: [{ id: 'x', target: { actions: ['a'] }, condition: 'nope(', effect: 'allow' }],
        },
        {},
      ),
      (e: unknown) =>
        e instanceof PlatformError && e.code === 'VERIFICATION_POLICY_INVALID' && e.status === 400,
    );
    const plain = policies.map((p) => p.policy);
    const impact = await threads.classify(
      {
        vocabulary: parsed.vocabulary,
        policies: plain.filter((p) => p.id !== 'refunds.deny-huge'),
        against: plain,
        defaultDecision: parsed.document.defaultDecision,
      },
      {},
    );
    assert.equal(impact.classification, 'widening');
  });

  it('a closed verifier answers 503', async () => {
    const closed = new WorkerVerifier(z3Solver.name, 1);
    await closed.close();
    await assert.rejects(
      closed.verify(input, {}),
      (e: unknown) => e instanceof PlatformError && e.code === 'VERIFICATION_UNAVAILABLE' && e.status === 503,
    );
  });
});
