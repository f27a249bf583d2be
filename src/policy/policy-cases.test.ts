/**
 * Runs the policy semantics cases in test/cases/policy against the compiled engine AND the
 * @bufbuild/cel interpreter (through the reference decider), so every case pins both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPolicyCaseFiles } from '../../test/support/policy-cases.js';
import { policyErrors } from './errors.js';
import { checkPolicies } from './policy-checker.js';
import { compilePolicySet } from './policy-engine.js';
import { createReferenceDecider } from './reference-decider.js';
import { parseVocabulary } from './vocabulary-parser.js';

const files = readPolicyCaseFiles();

describe('policy semantics cases', () => {
  it('finds the case files', () => assert.ok(files.length >= 8));
  for (const data of files) {
    const vocabulary = parseVocabulary(data.vocabulary);
    describe(`${data.file}: ${data.note}`, () => {
      if (data.policies !== undefined) {
        const engine = compilePolicySet(data.policies, vocabulary, {
          defaultDecision: data.defaultDecision,
        });
        const reference = createReferenceDecider(engine.policies, vocabulary, engine.defaultDecision);
        data.cases.forEach((c, i) => {
          it(c.note ?? `case ${i}`, () => {
            if (c.requestError !== undefined) {
              assert.throws(
                () => engine.decide(c.request),
                (e: unknown) =>
                  policyErrors.is(e, 'POLICY_REQUEST_INVALID') &&
                  (e.errors ?? []).some((f) => f.pointer === c.requestError),
              );
              return;
            }
            const got = engine.decide(c.request);
            const ref = reference.decide(c.request);
            assert.equal(got.decision, c.decision);
            assert.equal(ref.decision, c.decision, 'interpreter decision');
            const ids = got.matched.map((m) => m.policyId).sort();
            assert.deepEqual(ids, [...(c.matched ?? [])].sort());
            assert.deepEqual([...ref.matched].sort(), ids, 'interpreter matched set');
            assert.deepEqual(got.errors.map((e) => e.policyId).sort(), [...(c.errors ?? [])].sort());
            assert.deepEqual([...ref.errored].sort(), [...(c.errors ?? [])].sort(), 'interpreter errors');
            if (c.obligations !== undefined) assert.deepEqual(got.obligations, c.obligations);
            if (c.defaultApplied !== undefined) assert.equal(got.defaultApplied, c.defaultApplied);
            assert.ok(got.reasons.length > 0);
          });
        });
      }
      data.checkErrors.forEach((c, i) => {
        const condition =
          c.condition ??
          c.conditionRepeat!.prefix +
            c.conditionRepeat!.unit.repeat(c.conditionRepeat!.times) +
            c.conditionRepeat!.suffix;
        it(`rejects #${i} with ${c.code}: ${condition.slice(0, 60)}`, () => {
          const policy = { id: 'p', target: { actions: ['x'] }, condition, effect: 'deny' };
          const report = checkPolicies([policy], vocabulary);
          assert.equal(report.ok, false);
          const d = report.diagnostics[0]!;
          assert.equal(d.code, c.code, d.message);
          if (c.message !== undefined)
            assert.match(d.message, new RegExp(c.message.replace(/[()[\]*+?.]/g, '\\$&')));
          assert.ok(d.location !== undefined && d.location.line >= 1 && d.location.column >= 1);
        });
      });
    });
  }
});
