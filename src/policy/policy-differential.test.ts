/**
 * Differential test (issue done-criterion 1): random policy sets and random requests; the
 * compiled engine and @bufbuild/cel's interpreter must give the same decision, the same
 * matched set and the same failing policies, every time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePolicySet } from './policy-engine.js';
import type { Effect } from './policy-model.js';
import { createReferenceDecider } from './reference-decider.js';
import { FUZZ_VOCABULARY, policySetArb, requestArb } from './testing/policy-arbitraries.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary(FUZZ_VOCABULARY);
const REQUESTS_PER_SET = 25;
const RUNS = Number(process.env.ACGS_FUZZ_RUNS ?? 420);

describe('compiled engine vs @bufbuild/cel interpreter', () => {
  it(`agrees on ${RUNS * REQUESTS_PER_SET} random requests against random policy sets`, () => {
    let requests = 0;
    let errors = 0;
    let matches = 0;
    const decisions = new Map<Effect, number>();
    fc.assert(
      fc.property(
        policySetArb,
        fc.array(requestArb, { minLength: REQUESTS_PER_SET, maxLength: REQUESTS_PER_SET }),
        fc.constantFrom<Effect>('allow', 'deny', 'review'),
        (policies, reqs, defaultDecision) => {
          const engine = compilePolicySet(policies, vocabulary, { defaultDecision });
          const reference = createReferenceDecider(engine.policies, vocabulary, defaultDecision);
          for (const request of reqs) {
            requests++;
            const got = engine.decide(request);
            const want = reference.decide(request);
            const context = { policies, request };
            assert.equal(got.decision, want.decision, JSON.stringify(context));
            assert.deepEqual(
              got.matched.map((m) => m.policyId).sort(),
              [...want.matched].sort(),
              JSON.stringify(context),
            );
            assert.deepEqual(
              got.errors.map((e) => e.policyId).sort(),
              [...want.errored].sort(),
              JSON.stringify(context),
            );
            assert.equal(got.defaultApplied, want.defaultApplied);
            errors += got.errors.length;
            matches += got.matched.length;
            decisions.set(got.decision, (decisions.get(got.decision) ?? 0) + 1);
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: false },
    );
    assert.ok(requests >= 10_000, `ran ${requests} requests`);
    // The generator must exercise errors, matches and every decision, or the comparison proves little.
    assert.ok(errors > requests / 20, `only ${errors} evaluation errors`);
    assert.ok(matches > requests / 5, `only ${matches} matches`);
    for (const d of ['allow', 'deny', 'review'] as const)
      assert.ok((decisions.get(d) ?? 0) > requests / 20, `few ${d}`);
  });
});
