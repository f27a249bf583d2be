/**
 * The search with the real evaluator and the real formal verifier (Z3): the weakened base is
 * admissible; the same seed gives the same archive, byte for byte, and a run continued from a
 * stored state ends where an uninterrupted one does; a test-only operator that breaks an
 * invariant (done-when 3) never yields an admissible variant.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exampleConstitution,
  realVerifier,
  weakenedPolicies,
} from '../../../../test/support/evolution-fixture.js';
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type { PlatformError } from '../../../kernel/errors.js';
import { AdmissibilityGate } from '../evaluation/admissibility-gate.js';
import { VariantEvaluator } from '../evaluation/variant-evaluator.js';
import { proposeVariant } from '../usecases/propose-variant.js';
import { archiveHash, bestAdmissible } from './archive.js';
import {
  continueSearch,
  DEFAULT_SEARCH,
  type SearchDeps,
  type SearchState,
  startSearch,
} from './evolution-search.js';
import { patchFailure } from './failure-patch-operator.js';
import { buildMutationMaterial } from './mutation-material.js';
import type { MutationOperator } from './operator.js';
import { DEFAULT_OPERATORS } from './operators.js';
import type { VariantPolicies } from './variant-policies.js';

const document = exampleConstitution().document;
const HASH = constitutionalHashOf(document).hash;
const shared = realVerifier();

async function searchDeps(operators: readonly MutationOperator[]): Promise<SearchDeps> {
  const base = await weakenedPolicies();
  const evaluator = new VariantEvaluator(document, base);
  const compiled = evaluator.compile(base);
  assert.ok(compiled.ok);
  return {
    constitutionHash: HASH,
    evaluator,
    admissibility: new AdmissibilityGate(shared.verifier, { hash: HASH, document }, 'svc-dgm'),
    material: buildMutationMaterial(document, compiled.policies, evaluator.suites.training),
    operators,
  };
}

/**
 * Test-only: the failure-guided change, plus a deny for reading tickets under a legal hold — a
 * change no training scenario sees, but a deny overrides everything, so a support agent can be
 * refused their own ticket (invariant care.read-own-tickets), whatever else the set holds.
 */
const breakInvariant: MutationOperator = {
  id: 'break-invariant',
  async apply(input) {
    const patched = await patchFailure.apply(input);
    if (patched === undefined) return undefined;
    const breaker = {
      id: 'break.deny-tickets-on-hold',
      target: { actions: ['read_ticket'] },
      condition: 'has(context.legal_hold) && context.legal_hold',
      effect: 'deny',
    };
    const policies = [...(patched.policies as VariantPolicies).filter((p) => p.id !== breaker.id), breaker];
    return { policies, note: `${patched.note}; tickets under a legal hold denied` };
  },
};

describe('evolution search', () => {
  it('same seed, same archive; a run resumed from a stored state ends with the same archive', {
    timeout: 300_000,
  }, async () => {
    const settings = { ...DEFAULT_SEARCH, iterations: 40 };
    const deps = await searchDeps(DEFAULT_OPERATORS);
    const start = await startSearch(deps, await weakenedPolicies(), 7);
    assert.equal(start.entries[0]!.status, 'admissible', 'the weakened base satisfies every invariant');
    const whole = await continueSearch(deps, start, settings);
    assert.equal(whole.iteration, 40);

    const again = await searchDeps(DEFAULT_OPERATORS);
    const second = await continueSearch(
      again,
      await startSearch(again, await weakenedPolicies(), 7),
      settings,
    );
    assert.equal(archiveHash(second.entries), archiveHash(whole.entries));

    // Stopped after 17 iterations, its state through JSON (as the store keeps it), then resumed.
    const halted = await searchDeps(DEFAULT_OPERATORS);
    let seen = 0;
    const part = await continueSearch(
      { ...halted, shouldStop: () => seen++ >= 17 },
      await startSearch(halted, await weakenedPolicies(), 7),
      settings,
    );
    assert.equal(part.iteration, 17);
    const stored = JSON.parse(JSON.stringify(part)) as SearchState;
    const resumed = await continueSearch(await searchDeps(DEFAULT_OPERATORS), stored, settings);
    assert.equal(archiveHash(resumed.entries), archiveHash(whole.entries));

    const other = await searchDeps(DEFAULT_OPERATORS);
    const seed8 = await continueSearch(
      other,
      await startSearch(other, await weakenedPolicies(), 8),
      settings,
    );
    assert.notEqual(archiveHash(seed8.entries), archiveHash(whole.entries));
  });

  it('done-when 3: an operator that breaks an invariant never yields an admissible variant', {
    timeout: 300_000,
  }, async () => {
    const deps = await searchDeps([breakInvariant]);
    const state = await continueSearch(deps, await startSearch(deps, await weakenedPolicies(), 3), {
      ...DEFAULT_SEARCH,
      iterations: 20,
    });
    const made = state.entries.filter((e) => e.operator === 'break-invariant');
    assert.ok(made.length >= 10, `${made.length} variants`);
    assert.deepEqual(
      made.filter((e) => e.status === 'admissible').map((e) => e.id),
      [],
    );
    const verified = made.filter((e) => e.verification !== undefined);
    assert.ok(verified.length > 0, 'the improvements reached the verifier');
    for (const e of verified)
      assert.ok(e.verification!.violated.includes('care.read-own-tickets'), JSON.stringify(e.verification));
    assert.ok(
      made.some((e) => e.training!.correct > state.entries[0]!.training!.correct),
      'it did improve the scores',
    );
    assert.equal(bestAdmissible(state.entries)!.id, 'v0');
    // Nothing it produced can be proposed to the council.
    const proposed: string[] = [];
    const council = {
      proposeVariantAdoption: async (request: { variantId: string }) => {
        proposed.push(request.variantId);
        return { proposalId: 'p' };
      },
    };
    for (const e of made)
      await assert.rejects(proposeVariant(council, 'run', state.entries, e.id), (error: PlatformError) => {
        assert.equal(error.code, 'EVOLUTION_VARIANT_INADMISSIBLE');
        return true;
      });
    assert.deepEqual(proposed, []);
    assert.equal(
      (await proposeVariant(council, 'run', state.entries, 'v0')).bundleId,
      state.entries[0]!.bundleId,
    );
  });
});
