/**
 * The planted-defect suite (test/cases/verification): each case holds a policy set with one known
 * defect and a fixed version. The defect must be reported with the right class and a witness the
 * compiled engine confirms independently here; the fixed version must be clean (every invariant
 * proved, the finding gone).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compilePolicySet, type Effect, parseVocabulary } from '../../policy/index.js';
import { z3Solver } from './smt/z3-solver.js';
import type { InvariantInput } from './verification-model.js';
import type { VerificationReport } from './verification-report.js';
import { verifyPolicySet } from './verify-policy-set.js';

const DIR = fileURLToPath(new URL('../../../../test/cases/verification/', import.meta.url));
const vocabulary = parseVocabulary(parse(readFileSync(`${DIR}vocabulary.yaml`, 'utf8')));

interface Case {
  note: string;
  defect: 'invariant' | 'conflict' | 'dead' | 'shadowed' | 'widening' | 'mixed';
  subject: string | [string, string] | null;
  defaultDecision?: Effect;
  invariants: Omit<InvariantInput, 'principleId'>[];
  policies: unknown[];
  previous?: unknown[];
  fixed: { policies: unknown[]; previous?: unknown[] };
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'vocabulary.yaml');

async function run(
  c: Case,
  policies: unknown[],
  previous: unknown[] | undefined,
): Promise<VerificationReport> {
  return verifyPolicySet(
    {
      vocabulary,
      policies,
      defaultDecision: c.defaultDecision ?? 'deny',
      invariants: c.invariants.map((i) => ({ ...i, principleId: 'planted' })),
      ...(previous === undefined ? {} : { against: previous }),
    },
    { solver: z3Solver, queryTimeoutMs: 20_000 },
  );
}

describe('planted defects: each found with an engine-confirmed witness, each fix clean', () => {
  it('has at least 25 cases', () => assert.ok(files.length >= 25, `${files.length} cases`));
  for (const file of files) {
    const c = parse(readFileSync(`${DIR}${file}`, 'utf8')) as Case;
    it(`${file}: ${c.note}`, { timeout: 600_000 }, async () => {
      const defaultDecision = c.defaultDecision ?? 'deny';
      const engine = compilePolicySet(c.policies, vocabulary, { defaultDecision });
      const report = await run(c, c.policies, c.previous);
      assert.deepEqual(report.notes, [], 'no verifier notes');
      const fixed = await run(c, c.fixed.policies, c.fixed.previous);
      assert.deepEqual(fixed.notes, []);
      assert.equal(
        fixed.summary.proved,
        c.invariants.length,
        `fixed version: ${JSON.stringify(fixed.invariants)}`,
      );
      switch (c.defect) {
        case 'invariant': {
          const inv = report.invariants.find((i) => i.id === c.subject)!;
          assert.equal(inv.status, 'violated', JSON.stringify(inv));
          const spec = c.invariants.find((i) => i.id === c.subject)!;
          const request = JSON.parse(JSON.stringify(inv.counterexample!.request));
          assert.ok(
            spec.forbid.includes(engine.decide(request).decision),
            'engine gives a forbidden decision',
          );
          const when = compilePolicySet(
            [{ id: 'when', target: { actions: ['*'] }, condition: spec.when, effect: 'deny' }],
            vocabulary,
            { defaultDecision: 'allow' },
          );
          assert.equal(when.decide(request).decision, 'deny', 'the invariant applies to the counterexample');
          break;
        }
        case 'conflict': {
          const [a, b] = c.subject as [string, string];
          const found = report.conflicts.find((x) => x.policies.includes(a) && x.policies.includes(b));
          assert.ok(found, `conflict ${a} × ${b} reported: ${JSON.stringify(report.conflicts)}`);
          const matched = engine
            .decide(JSON.parse(JSON.stringify(found.witness.request)))
            .matched.map((m) => m.policyId);
          assert.ok(matched.includes(a) && matched.includes(b), 'both policies count for the witness');
          assert.ok(
            !fixed.conflicts.some((x) => x.policies.includes(a) && x.policies.includes(b)),
            'fixed: no conflict',
          );
          break;
        }
        case 'dead':
        case 'shadowed': {
          const finding = report.findings.find((f) => f.policyId === c.subject);
          assert.equal(finding?.status, c.defect, JSON.stringify(report.findings));
          assert.ok(
            !fixed.findings.some((f) => f.policyId === c.subject),
            `fixed: ${JSON.stringify(fixed.findings)}`,
          );
          break;
        }
        case 'widening':
        case 'mixed': {
          assert.equal(report.impact?.classification, c.defect, JSON.stringify(report.impact));
          const old = compilePolicySet(c.previous!, vocabulary, { defaultDecision });
          for (const change of report.impact!.changes) {
            const request = JSON.parse(JSON.stringify(change.example));
            assert.equal(old.decide(request).decision, change.from);
            assert.equal(engine.decide(request).decision, change.to);
          }
          assert.ok(
            ['equivalent', 'narrowing'].includes(fixed.impact!.classification),
            `fixed: ${JSON.stringify(fixed.impact)}`,
          );
          break;
        }
      }
    });
  }
});
