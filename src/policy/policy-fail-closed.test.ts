/**
 * Fail-closed (issue done-criterion 3): a deny or review policy whose condition fails never
 * lets a request be allowed, and an allow policy whose condition fails grants nothing (the
 * decision is exactly what it would be without that policy). Property-tested over random
 * policy sets and requests, with conditions that fail in every way CEL can fail.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePolicySet } from './policy-engine.js';
import type { Effect } from './policy-model.js';
import { FUZZ_VOCABULARY, policySetArb, requestArb } from './testing/policy-arbitraries.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary(FUZZ_VOCABULARY);
const RANK: Record<Effect, number> = { allow: 0, review: 1, deny: 2 };

/** Conditions that fail on every request the generator makes. */
const FAILING = [
  "resource.limits['no-such-key'] > 0",
  'action.nums[1000] == 1',
  '9223372036854775807 + 1 > 0',
  '(-9223372036854775807 - 1) / -1 > 0',
  '1 / 0 == 1',
  '7 % (1 - 1) == 0',
  'int(1e300) > 0',
  'resource.limits.no_such_key > 0',
  "('x' == 'y' || 1 / 0 > 0) && true",
  "(principal.roles + ['x']).all(r, 1 / 0 > 0) || false",
];

describe('fail-closed evaluation errors', () => {
  it('every failing condition really fails, in the engine and as checked text', () => {
    for (const condition of FAILING) {
      const engine = compilePolicySet(
        [{ id: 'poison', target: { actions: ['*'] }, condition, effect: 'deny' }],
        vocabulary,
        { defaultDecision: 'allow' },
      );
      const result = engine.decide({ action: { type: 'read' }, principal: { roles: ['a'] } });
      assert.equal(result.errors.length, 1, condition);
      assert.equal(result.decision, 'deny', condition);
      assert.equal(result.matched[0]?.error, result.errors[0]?.message);
    }
  });

  it('a failing deny or review policy is never overruled into allow', () => {
    fc.assert(
      fc.property(
        policySetArb,
        fc.constantFrom(...FAILING),
        fc.constantFrom<Effect>('deny', 'review'),
        fc.constantFrom<Effect>('allow', 'deny', 'review'),
        fc.array(requestArb, { minLength: 10, maxLength: 10 }),
        (policies, condition, effect, defaultDecision, requests) => {
          const poison = { id: 'poison', target: { actions: ['*'] }, condition, effect, priority: 0 };
          const withPoison = compilePolicySet([...policies, poison], vocabulary, { defaultDecision });
          // The failing policy counts exactly as if its condition were true.
          const matching = compilePolicySet([...policies, { ...poison, condition: 'true' }], vocabulary, {
            defaultDecision,
          });
          for (const request of requests) {
            const got = withPoison.decide(request);
            assert.notEqual(got.decision, 'allow');
            assert.ok(RANK[got.decision] >= RANK[effect]);
            assert.equal(got.decision, matching.decide(request).decision);
            assert.ok(got.matched.some((m) => m.policyId === 'poison' && m.error !== undefined));
            assert.ok(got.errors.some((e) => e.policyId === 'poison'));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a failing allow policy grants nothing: the decision is the one without it', () => {
    fc.assert(
      fc.property(
        policySetArb,
        fc.constantFrom(...FAILING),
        fc.constantFrom<Effect>('allow', 'deny', 'review'),
        fc.array(requestArb, { minLength: 10, maxLength: 10 }),
        (policies, condition, defaultDecision, requests) => {
          const poison = {
            id: 'poison',
            target: { actions: ['*'] },
            condition,
            effect: 'allow',
            priority: 0,
          };
          const withPoison = compilePolicySet([...policies, poison], vocabulary, { defaultDecision });
          const without = compilePolicySet(policies, vocabulary, { defaultDecision });
          for (const request of requests) {
            const got = withPoison.decide(request);
            const base = without.decide(request);
            assert.equal(got.decision, base.decision);
            assert.deepEqual(
              got.matched.map((m) => m.policyId),
              base.matched.map((m) => m.policyId),
            );
            assert.ok(got.errors.some((e) => e.policyId === 'poison'));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
