/**
 * The example constitution (examples/constitution): it loads and validates, it is as large as the
 * issue asks, and the example policy set, compiled with the constitution's vocabulary, gives every
 * scenario its expected decision without violating any invariant.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLE_POLICIES, exampleConstitution } from '../../../test/support/constitution-fixture.js';
import { canonicalJson } from '../../kernel/canonical-json.js';
import { compilePolicySet, loadPolicies, parseVocabularyDocument } from '../../policy/index.js';
import { constitutionJsonSchema } from './constitution-schema.js';

const example = exampleConstitution();
const scenarios = example.document.scenarioSuites.flatMap((suite) =>
  suite.scenarios.map((scenario) => ({ suite: suite.id, ...scenario })),
);

describe('the example constitution', () => {
  it('has at least 10 principles, 15 invariants, a vocabulary and 50 labelled scenarios', () => {
    assert.ok(example.document.principles.length >= 10);
    assert.ok(example.invariants.invariants.length >= 15);
    assert.ok(example.vocabulary.attributes.size >= 15);
    assert.ok(scenarios.length >= 50);
    for (const decision of ['allow', 'deny', 'review'] as const) {
      assert.ok(scenarios.filter((s) => s.expected === decision).length >= 10, `few ${decision} scenarios`);
    }
    // Every invariant is exercised by at least one scenario.
    const exercised = new Set(
      scenarios.flatMap((s) => example.invariants.applicable(s.request).map((a) => a.invariantId)),
    );
    const idle = example.invariants.invariants.filter((inv) => !exercised.has(inv.id)).map((inv) => inv.id);
    assert.deepEqual(idle, []);
  });

  it('is satisfied by the example policy set: every scenario gets its expected decision, no invariant is violated', async () => {
    const loaded = await loadPolicies(EXAMPLE_POLICIES);
    assert.deepEqual(loaded.diagnostics, []);
    const engine = compilePolicySet(loaded.policies, example.vocabulary, {
      defaultDecision: example.document.defaultDecision,
    });
    const principleIds = new Set(example.document.principles.map((p) => p.id));
    for (const { policy } of loaded.policies) {
      for (const id of policy.principles)
        assert.ok(principleIds.has(id), `${policy.id} cites unknown principle ${id}`);
    }
    const wrong: string[] = [];
    for (const scenario of scenarios) {
      const result = engine.decide(scenario.request);
      if (result.decision !== scenario.expected) {
        wrong.push(
          `${scenario.suite}/${scenario.id}: expected ${scenario.expected}, got ${result.decision} (${result.reasons.join('; ')})`,
        );
      }
      for (const inv of example.invariants.applicable(scenario.request)) {
        if (inv.forbid.includes(result.decision))
          wrong.push(`${scenario.id}: ${result.decision} violates ${inv.invariantId}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('a policy set that breaks an invariant is caught by the same check', async () => {
    const loaded = await loadPolicies(EXAMPLE_POLICIES);
    const weakened = loaded.policies.filter((p) => p.policy.id !== 'refunds.review-above-limit');
    const engine = compilePolicySet(weakened, example.vocabulary, { defaultDecision: 'allow' });
    const violations = scenarios.filter((s) =>
      example.invariants
        .applicable(s.request)
        .some((inv) => inv.forbid.includes(engine.decide(s.request).decision)),
    );
    assert.ok(violations.some((s) => s.id === 'refund.150'));
  });

  it("keeps the policy directory's vocabulary identical to the constitution's", () => {
    const path = join(EXAMPLE_POLICIES, 'vocabulary.yaml');
    const parsed = parseVocabularyDocument(readFileSync(path, 'utf8'));
    assert.deepEqual(parsed.diagnostics, []);
    const simplify = (
      attrs: ReadonlyMap<string, { required: boolean; description?: string; type: unknown }>,
    ) => canonicalJson([...attrs].map(([path, d]) => [path, d.required, d.description ?? '', d.type]));
    assert.equal(simplify(parsed.vocabulary!.attributes), simplify(example.vocabulary.attributes));
  });

  it('is valid against the published JSON Schema, which matches the one the code generates', async () => {
    const Ajv = (await import('ajv')).default;
    const schemaPath = new URL('../../../../schemas/constitution.schema.json', import.meta.url);
    const published = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      published,
      constitutionJsonSchema(),
      'run `acgs constitution schema > schemas/constitution.schema.json`',
    );
    const validate = new Ajv.default({ strict: false, allErrors: true }).compile(published);
    const { parse } = await import('yaml');
    const raw = parse(
      readFileSync(new URL('../../../../examples/constitution/constitution.yaml', import.meta.url), 'utf8'),
    );
    assert.ok(validate(raw), JSON.stringify(validate.errors));
    assert.equal(validate({ name: 'x' }), false);
  });
});
