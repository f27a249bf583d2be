/**
 * One verifiable subset: what `acgs policy check` calls verifiable (the policy language's subset
 * analysis) is exactly what the verifier translates without reporting it unverifiable, over the
 * policy fuzzers' random conditions and every shipped example policy. Both the verifier's answer
 * (`encodePolicy`, which asks the analysis) and the translation's own refusals are compared, so
 * the analysis can neither admit a condition the translation cannot encode nor refuse one it can.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  type CheckedPolicy,
  checkPolicies,
  loadPolicies,
  parseVocabulary,
  type Vocabulary,
} from '../../policy/index.js';
import { FUZZ_VOCABULARY, policySetArb } from '../../policy/testing/policy-arbitraries.js';
import { DefinitionSink, OutsideSubset, translateCondition } from './smt/condition-encoder.js';
import { encodePolicy } from './smt/policy-set-encoder.js';
import { RequestSchema } from './smt/request-schema.js';
import { collectUsage, finishUsage, newUsage } from './smt/usage-analysis.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const EXAMPLES = [
  'examples/constitution/policies',
  'examples/standalone/policies',
  'examples/evolution/weakened-policies',
];

interface Disagreement {
  readonly condition: string;
  readonly analysis: string;
  readonly verifier: string;
  readonly translation: string;
}

/** Per checked policy: the analysis, the verifier's report and the bare translation. */
function compare(checked: readonly CheckedPolicy[], vocabulary: Vocabulary): Disagreement[] {
  const usage = newUsage();
  for (const c of checked) collectUsage(c.checked, usage);
  const schema = new RequestSchema(vocabulary, finishUsage(usage));
  const out: Disagreement[] = [];
  for (const [i, c] of checked.entries()) {
    const reported = encodePolicy(`p${i}`, c, schema, new DefinitionSink(`v${i}`));
    let translation = 'translated';
    try {
      translateCondition(c.checked, schema, new DefinitionSink(`t${i}`));
    } catch (e) {
      translation =
        e instanceof OutsideSubset ? `outside (${e.message})` : `verifier bug: ${(e as Error).message}`;
    }
    const analysis = c.subset.verifiable ? 'verifiable' : `outside (${c.subset.reasons.join('; ')})`;
    const verifier =
      reported.outside === undefined ? 'translated' : `unverifiable (${reported.outside.join('; ')})`;
    const agree =
      c.subset.verifiable === (reported.outside === undefined) &&
      c.subset.verifiable === (translation === 'translated');
    if (!agree) out.push({ condition: c.policy.condition, analysis, verifier, translation });
  }
  return out;
}

describe('verifiable subset: the policy checker and the verifier agree', () => {
  it('on the fuzzers’ random conditions', () => {
    const vocabulary = parseVocabulary(FUZZ_VOCABULARY);
    let verifiable = 0;
    let total = 0;
    fc.assert(
      fc.property(policySetArb, (generated) => {
        const report = checkPolicies(generated, vocabulary);
        total += report.checked.length;
        verifiable += report.checked.filter((c) => c.subset.verifiable).length;
        const disagreements = compare(report.checked, vocabulary);
        assert.deepEqual(disagreements, []);
      }),
      { numRuns: Number(process.env.ACGS_SUBSET_AGREEMENT_RUNS ?? 400) },
    );
    // Both verdicts occur, so the comparison says something in each direction.
    assert.ok(verifiable > total / 4 && verifiable < total, `${verifiable} of ${total} verifiable`);
  });

  for (const dir of EXAMPLES) {
    it(`on every policy of ${dir}`, async () => {
      const loaded = await loadPolicies(`${ROOT}${dir}`);
      assert.ok(loaded.vocabulary !== undefined);
      const report = checkPolicies(
        loaded.policies.map((p) => p.policy),
        loaded.vocabulary,
      );
      assert.equal(report.ok, true, report.diagnostics[0]?.message);
      assert.deepEqual(compare(report.checked, loaded.vocabulary), []);
    });
  }

  it('calls the standalone example’s email.allow-internal verifiable, as the verifier proves it', async () => {
    const loaded = await loadPolicies(`${ROOT}examples/standalone/policies`);
    const report = checkPolicies(
      loaded.policies.map((p) => p.policy),
      loaded.vocabulary!,
    );
    const email = report.policies.find((p) => p.id === 'email.allow-internal');
    assert.equal(email?.verifiable, true, email?.reasons.join('; '));
  });
});
