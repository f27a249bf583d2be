/**
 * The pieces of the search on their own: the seeded generator, the paper's selection weight,
 * the bandit, and every default operator on the example set (each yields a set that is still
 * valid data, and the same seed yields the same child).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleConstitution, examplePolicies } from '../../../../test/support/evolution-fixture.js';
import { pinSuites } from '../evaluation/pinned-suites.js';
import { VariantEvaluator } from '../evaluation/variant-evaluator.js';
import { conjunctsOf, numericComparisons } from './condition-edit.js';
import { buildMutationMaterial } from './mutation-material.js';
import type { Mutation } from './operator.js';
import { pickOperator, recordTrial } from './operator-bandit.js';
import { DEFAULT_OPERATORS } from './operators.js';
import { PAPER_SELECTION, selectionScore, selectionWeight } from './parent-selection.js';
import { SeededRandom } from './seeded-random.js';
import { normalizeVariant } from './variant-policies.js';

describe('evolution search pieces', () => {
  it('the generator repeats for a seed and resumes from its stored state', () => {
    const a = SeededRandom.fromSeed(42);
    const b = SeededRandom.fromSeed(42);
    const first = [a.uint32(), a.uint32(), a.uint32()];
    assert.deepEqual([b.uint32(), b.uint32(), b.uint32()], first);
    const resumed = SeededRandom.fromState(a.state());
    assert.deepEqual([resumed.next(), resumed.next()], [a.next(), a.next()]);
    assert.notDeepEqual([SeededRandom.fromSeed(43).uint32()], [SeededRandom.fromSeed(42).uint32()]);
    const counts = [0, 0, 0];
    const r = SeededRandom.fromSeed(7);
    for (let i = 0; i < 3000; i++) counts[r.weighted([1, 2, 0])]!++;
    assert.equal(counts[2], 0);
    assert.ok(counts[1]! > counts[0]! * 1.5, `${counts}`);
  });

  it('weighs parents as the paper does: sigmoid(λ(score − α₀)) / (1 + children), λ = 10, α₀ = 0.5', () => {
    assert.deepEqual(PAPER_SELECTION, { lambda: 10, alpha0: 0.5 });
    assert.equal(selectionWeight(0.5, 0, PAPER_SELECTION), 0.5);
    assert.equal(selectionWeight(0.5, 1, PAPER_SELECTION), 0.25);
    assert.ok(Math.abs(selectionWeight(0.7, 0, PAPER_SELECTION) - 1 / (1 + Math.exp(-2))) < 1e-12);
    assert.ok(selectionWeight(0.9, 3, PAPER_SELECTION) < selectionWeight(0.6, 0, PAPER_SELECTION));
    assert.ok(
      selectionWeight(0.2, 0, { lambda: 20, alpha0: 0.5 }) < selectionWeight(0.2, 0, PAPER_SELECTION),
    );
  });

  it('measures the selection score from the base: 0 at the base, 1 when perfect, so the sigmoid separates', () => {
    assert.equal(selectionScore(0.6, 0.6), 0);
    assert.equal(selectionScore(1, 0.6), 1);
    assert.ok(Math.abs(selectionScore(0.8, 0.6) - 0.5) < 1e-12);
    assert.equal(selectionScore(0.7, 1), 0.7);
    const near = selectionWeight(selectionScore(0.65, 0.6), 0, PAPER_SELECTION);
    const far = selectionWeight(selectionScore(0.95, 0.6), 0, PAPER_SELECTION);
    assert.ok(far > near * 10, `${far} vs ${near}`);
  });

  it('a list size is a measure with thresholds, and a decision an invariant forbids is a breach', async () => {
    const comparison = numericComparisons(conjunctsOf('size(action.recipients) > 20')![0]!)[0];
    assert.deepEqual(
      [comparison?.path, comparison?.op, comparison?.value],
      ['size(action.recipients)', '>', 20],
    );
    const document = exampleConstitution().document;
    const base = normalizeVariant(await examplePolicies());
    assert.ok('policies' in base);
    const evaluator = new VariantEvaluator(document, base.policies);
    const material = buildMutationMaterial(document, base.policies, evaluator.suites.training);
    assert.ok(material.thresholds.get('size(action.recipients)')!.includes(21));
    assert.ok(material.atoms.includes('size(action.recipients) > 8'), 'a cut at a training list size');
    const example = evaluator.compile(base.policies);
    assert.ok(example.ok);
    assert.deepEqual(evaluator.evaluate(example.engine, 'training').breached, []);
    const lax = evaluator.compile([
      { id: 'lax', target: { actions: ['issue_refund'] }, condition: 'true', effect: 'allow' },
    ]);
    assert.ok(lax.ok);
    assert.ok(
      evaluator.evaluate(lax.engine, 'training').breached.includes('finance.refund-review-above-100'),
    );
  });

  it('the bandit favours the operators that produced improvements', () => {
    let state = {};
    for (let i = 0; i < 20; i++) state = recordTrial(state, 'good', i % 2 === 0);
    for (let i = 0; i < 20; i++) state = recordTrial(state, 'bad', false);
    const random = SeededRandom.fromSeed(1);
    const picks = { good: 0, bad: 0 } as Record<string, number>;
    for (let i = 0; i < 1000; i++) picks[pickOperator(state, ['good', 'bad'], random)]!++;
    assert.ok(picks.good! > picks.bad! * 5, JSON.stringify(picks));
  });

  it('every default operator turns the example set into another valid set, the same for the same seed', async () => {
    const document = exampleConstitution().document;
    const base = normalizeVariant(await examplePolicies());
    assert.ok('policies' in base);
    const suites = pinSuites(document);
    const material = buildMutationMaterial(document, base.policies, suites.training);
    assert.ok(material.atoms.length > 20, `${material.atoms.length} conjuncts`);
    assert.ok(material.thresholds.get('action.amount')!.includes(10000));
    const failures = [
      { key: suites.training[0]!.key, expected: 'allow' as const, got: 'deny' as const, matched: [] },
    ];
    for (const operator of DEFAULT_OPERATORS) {
      const run = async (seed: number): Promise<Mutation | undefined> =>
        operator.apply({
          policies: base.policies,
          failures,
          material,
          random: SeededRandom.fromSeed(seed),
          iteration: 1,
          constitutionHash: 'unused',
        });
      let seed = 0;
      let mutation = await run(seed);
      while (mutation === undefined && seed < 20) mutation = await run(++seed);
      assert.ok(mutation !== undefined, `${operator.id} never applies`);
      assert.deepEqual(await run(seed), mutation, `${operator.id} is not deterministic`);
      const child = normalizeVariant(mutation.policies);
      assert.ok('policies' in child, `${operator.id}: ${JSON.stringify(child)}`);
      assert.notDeepEqual(child.policies, base.policies, `${operator.id} changed nothing`);
      assert.equal(material.compile(child.policies) !== undefined, true, `${operator.id}: ${mutation.note}`);
    }
  });
});
