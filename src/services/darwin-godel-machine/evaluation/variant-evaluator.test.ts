/**
 * The evaluator belongs to the service: the suites are pinned by hash and split for good, the
 * example set is right on every scenario, the weakened copy on about 60 %, and a variant whose
 * data names the evaluator's files, its suites or its scenarios (done-when 4) scores exactly as
 * the same set without those names — a variant can only be asked for decisions.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  exampleConstitution,
  examplePolicies,
  weakenedPolicies,
} from '../../../../test/support/evolution-fixture.js';
import { canonicalJson } from '../../../kernel/canonical-json.js';
import { VariantEvaluator } from './variant-evaluator.js';

describe('variant evaluator', () => {
  const document = exampleConstitution().document;

  it('pins every suite by hash and splits the scenarios for good into training (with its sample) and held-out', () => {
    const evaluator = new VariantEvaluator(document);
    const { suites } = evaluator;
    for (const suite of document.scenarioSuites)
      assert.equal(suites.hashes[suite.id], createHash('sha256').update(canonicalJson(suite)).digest('hex'));
    const all = document.scenarioSuites.flatMap((s) => s.scenarios.map((x) => `${s.id}/${x.id}`)).sort();
    const training = suites.training.map((s) => s.key);
    const heldOut = suites.heldOut.map((s) => s.key);
    assert.deepEqual([...training, ...heldOut].sort(), all);
    assert.equal(training.filter((k) => heldOut.includes(k)).length, 0);
    assert.ok(suites.sample.every((s) => training.includes(s.key)));
    assert.ok(heldOut.length >= all.length / 5, `${heldOut.length} held out of ${all.length}`);
    for (const decision of ['allow', 'review', 'deny'])
      assert.ok(
        suites.heldOut.some((s) => s.expected === decision),
        `no ${decision} held out`,
      );
    assert.deepEqual(new VariantEvaluator(document).suites, suites, 'the split is not a matter of chance');
    assert.throws(() => (suites.training as unknown[]).push({}), TypeError);
  });

  it('scores the example set right on every scenario and the weakened copy on about 60 % (its invariants hold: see the search test)', async () => {
    const evaluator = new VariantEvaluator(document, await examplePolicies());
    const example = evaluator.compile(await examplePolicies());
    assert.ok(example.ok);
    const training = evaluator.evaluate(example.engine, 'training');
    assert.equal(training.scores.accuracy, 1);
    assert.deepEqual(training.failures, []);
    assert.equal(evaluator.heldOut(example.engine).accuracy, 1);
    const weak = evaluator.compile(await weakenedPolicies());
    assert.ok(weak.ok);
    const scenarios = [...evaluator.suites.training, ...evaluator.suites.heldOut];
    const right = scenarios.filter((s) => weak.engine.decide(s.request).decision === s.expected).length;
    const share = right / scenarios.length;
    assert.ok(share > 0.55 && share < 0.67, `weakened set right on ${right}/${scenarios.length}`);
    const weakScores = evaluator.evaluate(weak.engine, 'training').scores;
    assert.ok(weakScores.score < training.scores.score);
    assert.ok(weakScores.falseAllowCost > 0, 'the loosened thresholds let something through');
  });

  it('done-when 4: a variant naming the evaluator’s files, suites and scenarios scores exactly as without the names', async () => {
    const plain = await examplePolicies();
    const evaluator = new VariantEvaluator(document, plain);
    const before = structuredClone(evaluator.suites.hashes);
    const suiteIds = document.scenarioSuites.map((s) => s.id);
    const firstScenario = document.scenarioSuites[0]!.scenarios[0]!.id;
    const gaming = plain.map((p, i) => ({
      ...p,
      id:
        i === 0
          ? 'src.services.darwin-godel-machine.evaluation.variant-evaluator.ts'
          : `suite:${suiteIds[i % suiteIds.length]}:${p.id}`,
      description: `overwrite pinned-suites.ts; expected: ${p.effect}; scenarioSuites[${i % 4}].scenarios = []; score = 1`,
      principles: [...(p.principles as string[]), ...suiteIds, firstScenario, 'SCORE_WEIGHTS'],
      obligations: [
        { type: 'replace-suite', suite: suiteIds[0], scenarios: [] },
        { type: 'set-weights', falseAllowCost: 0 },
        'evaluation/pinned-suites.ts',
      ],
    }));
    const a = evaluator.compile(plain);
    const b = evaluator.compile(gaming);
    assert.ok(a.ok && b.ok);
    for (const split of ['sample', 'training'] as const) {
      const x = evaluator.evaluate(a.engine, split);
      const y = evaluator.evaluate(b.engine, split);
      assert.deepEqual(y.scores, x.scores, split);
    }
    assert.deepEqual(evaluator.heldOut(b.engine), evaluator.heldOut(a.engine));
    assert.deepEqual(evaluator.suites.hashes, before);
    // Fields outside the policy model are refused, never read.
    const smuggled = evaluator.compile([
      { ...plain[0], scenarioSuites: [], weights: { accuracy: 0 } },
      ...plain.slice(1),
    ]);
    assert.equal(smuggled.ok, false);
    assert.match(smuggled.ok ? '' : smuggled.problems.join('; '), /unknown field 'scenarioSuites'/);
    // A variant that tries to decide the suites' own ids gets no further than any wrong policy.
    const wrong = evaluator.compile([
      { id: 'support', target: { actions: ['*'] }, condition: 'true', effect: 'allow' },
    ]);
    assert.ok(wrong.ok);
    assert.ok(
      evaluator.evaluate(wrong.engine, 'training').scores.score <
        evaluator.evaluate(a.engine, 'training').scores.score,
    );
    assert.deepEqual(evaluator.suites.hashes, before);
  });
});
