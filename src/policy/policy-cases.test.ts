/**
 * Runs the policy semantics cases in test/cases/policy against the compiled engine AND the
 * @bufbuild/cel interpreter (through the reference decider), so every case pins both.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { policyErrors } from './errors.js';
import { checkPolicies } from './policy-checker.js';
import { compilePolicySet } from './policy-engine.js';
import type { Effect } from './policy-model.js';
import { createReferenceDecider } from './reference-decider.js';
import type { DecisionRequest } from './request-validator.js';
import { parseVocabulary } from './vocabulary-parser.js';

export const CASES_DIR = fileURLToPath(new URL('../../../test/cases/policy/', import.meta.url));

interface CaseFile {
  note: string;
  vocabulary?: unknown;
  defaultDecision?: Effect;
  policies?: unknown[];
  cases?: {
    note?: string;
    request: DecisionRequest;
    decision?: Effect;
    matched?: string[];
    errors?: string[];
    obligations?: unknown[];
    defaultApplied?: boolean;
    requestError?: string;
  }[];
  checkErrors?: {
    condition?: string;
    conditionRepeat?: { unit: string; times: number; prefix: string; suffix: string };
    code: string;
    message?: string;
  }[];
}

const shared = parseVocabulary(parse(readFileSync(`${CASES_DIR}_vocabulary.yaml`, 'utf8')));
const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml') && !f.startsWith('_'));

describe('policy semantics cases', () => {
  it('finds the case files', () => assert.ok(files.length >= 8));
  for (const file of files) {
    const data = parse(readFileSync(CASES_DIR + file, 'utf8')) as CaseFile;
    const vocabulary = data.vocabulary === undefined ? shared : parseVocabulary(data.vocabulary);
    describe(`${file}: ${data.note}`, () => {
      if (data.policies !== undefined) {
        const engine = compilePolicySet(data.policies, vocabulary, {
          defaultDecision: data.defaultDecision ?? 'deny',
        });
        const reference = createReferenceDecider(engine.policies, vocabulary, engine.defaultDecision);
        (data.cases ?? []).forEach((c, i) => {
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
      (data.checkErrors ?? []).forEach((c, i) => {
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
