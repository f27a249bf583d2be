/**
 * The PGC's impact classifier over the real verifier (Z3, in-process): it asks the verifier's
 * impact classification, never a full verification, and carries the verifier's evidence — the
 * classification (narrowing, widening, equivalent) and an engine-confirmed example per kind of
 * change — with the verdict the council reads (`impact`: an unchanged set counts as narrowing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXAMPLE_POLICIES,
  exampleConstitutionReader,
  exampleStoredBundle,
} from '../../../test/support/constitution-fixture.js';
import { EMERGENCY_DENY, WIDER_ALLOW } from '../../../test/support/impact-policies.js';
import type { IntegrityContract } from '../../kernel/contracts/integrity.js';
import type { VerificationContract } from '../../kernel/contracts/verification.js';
import { loadPolicies } from '../../policy/index.js';
import { LocalVerifier } from '../formal-verification/local-verifier.js';
import { z3Solver } from '../formal-verification/smt/z3-solver.js';
import { verifierImpact } from './verifier-impact.js';

const { version, contract: constitution } = exampleConstitutionReader();
const integrity = { append: async () => ({ index: 0, leafHash: '00' }) } as unknown as IntegrityContract;
const local = new LocalVerifier({
  solver: z3Solver,
  constitution: () => constitution,
  integrity: () => integrity,
});
const asked: string[] = [];
// The verifier as the PGC reaches it, recording what is asked of it.
const verifier: VerificationContract = {
  verify: (request) => {
    asked.push('verify');
    return local.verify(request);
  },
  classifyImpact: (request) => {
    asked.push('classifyImpact');
    return local.classifyImpact(request);
  },
};

const example = (await loadPolicies(EXAMPLE_POLICIES)).policies.map((p) => p.policy);
const bundles = new Map(
  Object.entries({
    base: example,
    narrowing: [...example, EMERGENCY_DENY],
    widening: [...example, WIDER_ALLOW],
    reordered: [...example].reverse(),
  }).map(([id, policies]) => [id, exampleStoredBundle(id, policies)]),
);
const classifier = verifierImpact({ verifier, bundle: async (id) => bundles.get(id) });

describe('the PGC impact classifier over the verifier', () => {
  it('a new deny: narrowing, each change towards deny with an example request', {
    timeout: 300_000,
  }, async () => {
    asked.length = 0;
    const verdict = await classifier.classify('base', 'narrowing');
    assert.deepEqual(asked, ['classifyImpact'], 'only the impact queries, no invariant proofs');
    assert.equal(verdict.impact, 'narrowing', verdict.detail);
    assert.equal(verdict.classification, 'narrowing');
    assert.ok((verdict.changes ?? []).length > 0);
    for (const change of verdict.changes ?? []) {
      assert.equal(change.kind, 'narrowing');
      assert.equal(change.to, 'deny');
      assert.equal((change.example.action as { type: string }).type, 'issue_refund');
    }
  });

  it('a new allow: widening, with the request it now allows', { timeout: 300_000 }, async () => {
    const verdict = await classifier.classify('base', 'widening');
    assert.equal(verdict.impact, 'widening');
    assert.equal(verdict.classification, 'widening');
    const widened = verdict.changes?.find((c) => c.kind === 'widening');
    assert.ok(widened, 'a widening change with its example');
    assert.equal(widened.to, 'allow');
    assert.equal((widened.example.action as { type: string }).type, 'close_account');
    assert.match(verdict.detail, /close_account/);
  });

  it('the same set in another order: unchanged, which the council may treat as narrowing', {
    timeout: 300_000,
  }, async () => {
    const verdict = await classifier.classify('base', 'reordered');
    assert.equal(verdict.classification, 'equivalent');
    assert.deepEqual(verdict.changes, []);
    assert.equal(verdict.impact, 'narrowing');
  });

  it('nothing active before: compared with the empty set (the default decision everywhere)', {
    timeout: 300_000,
  }, async () => {
    const verdict = await classifier.classify(null, 'widening');
    assert.equal(verdict.impact, 'widening');
    assert.ok(verdict.changes?.some((c) => c.from === version.document.defaultDecision && c.to === 'allow'));
  });
});
