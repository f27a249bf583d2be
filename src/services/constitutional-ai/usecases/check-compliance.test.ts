import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ConstitutionFixture,
  exampleDocument,
  openConstitutionFixture,
} from '../../../../test/support/constitution-fixture.js';
import { bootstrapConstitution } from './bootstrap-constitution.js';
import { checkCompliance } from './check-compliance.js';
import { getScenarioSuite, listScenarioSuites } from './list-scenario-suites.js';
import { searchPrinciples } from './search-principles.js';

const refund = (amount: number, context: Record<string, unknown> = {}) => ({
  principal: { id: 'agent-support-1', type: 'agent', roles: ['support-agent'] },
  action: { type: 'issue_refund', amount, currency: 'EUR' },
  resource: { type: 'order', id: 'O-1' },
  context,
});

describe('the compliance check and reads of the active version', () => {
  let f: ConstitutionFixture;
  before(async () => {
    f = await openConstitutionFixture();
    await bootstrapConstitution(f.deps, { document: exampleDocument() }, 'admin');
  });
  after(() => f.close());

  it('lists no invariant for a request none applies to, and permits every decision', async () => {
    const report = await checkCompliance(f.deps, { request: refund(20) });
    assert.deepEqual(report.applicable, []);
    assert.deepEqual(report.forbidden, []);
    assert.deepEqual(report.permitted, ['allow', 'deny', 'review']);
    assert.equal(report.version, 1);
  });

  it('names each applicable invariant, its principle, what it forbids and why', async () => {
    const report = await checkCompliance(f.deps, {
      request: refund(6000, { risk_score: 0.95 }),
      decision: 'review',
    });
    assert.deepEqual(
      report.applicable.map((a) => [a.principleId, a.invariantId, a.forbid]),
      [
        ['financial-prudence', 'finance.refund-review-above-100', ['allow']],
        ['financial-prudence', 'finance.no-huge-refund', ['allow', 'review']],
        ['fraud-prevention', 'fraud.high-risk', ['allow']],
      ],
    );
    assert.match(report.applicable[1]!.reason, /above 5,000 are refused/);
    assert.deepEqual(report.forbidden, ['allow', 'review']);
    assert.deepEqual(report.permitted, ['deny']);
    assert.equal(report.compliant, false);
    assert.deepEqual(
      report.violations?.map((v) => v.invariantId),
      ['finance.no-huge-refund'],
    );
    const deny = await checkCompliance(f.deps, { request: refund(6000), decision: 'deny' });
    assert.equal(deny.compliant, true);
    assert.deepEqual(deny.violations, []);
  });

  it('answers a request that does not match the vocabulary with every failing field', async () => {
    const bad = { ...refund(10), action: { type: 'issue_refund', amount: 'ten' }, context: { mood: 'ok' } };
    await assert.rejects(
      checkCompliance(f.deps, { request: bad }),
      (error: { code: string; errors: { pointer: string }[] }) => {
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.deepEqual(error.errors.map((e) => e.pointer).sort(), [
          '/body/request/action/amount',
          '/body/request/context/mood',
        ]);
        return true;
      },
    );
  });

  it('searches principles by category and keyword', async () => {
    const finance = await searchPrinciples(f.deps, { category: 'FINANCE' });
    assert.deepEqual(
      finance.principles.map((p) => p.id),
      ['financial-prudence', 'frozen-accounts', 'currency-controls'],
    );
    const refunds = await searchPrinciples(f.deps, { keyword: 'refund' });
    assert.deepEqual(
      refunds.principles.map((p) => p.id),
      ['financial-prudence', 'fraud-prevention', 'frozen-accounts'],
    );
    const both = await searchPrinciples(f.deps, {
      category: 'security',
      keyword: 'sanctions',
      mandatory: true,
    });
    assert.deepEqual(
      both.principles.map((p) => p.id),
      ['fraud-prevention'],
    );
    assert.deepEqual(
      (await searchPrinciples(f.deps, { mandatory: false })).principles.map((p) => p.id),
      ['customer-care', 'transparency', 'currency-controls'],
    );
  });

  it('lists scenario suites with the hash that pins each', async () => {
    const { suites } = await listScenarioSuites(f.deps);
    assert.deepEqual(
      suites.map((s) => [s.id, s.scenarios]),
      [
        ['support', 29],
        ['payments', 13],
        ['records', 10],
        ['accounts', 10],
      ],
    );
    const one = await getScenarioSuite(f.deps, 'payments');
    assert.equal(one.suite.hash, suites[1]!.hash);
    assert.match(one.suite.hash, /^[0-9a-f]{64}$/);
    await assert.rejects(getScenarioSuite(f.deps, 'nope'), {
      code: 'CONSTITUTION_SUITE_NOT_FOUND',
      status: 404,
    });
  });
});

describe('an invariant whose predicate cannot be evaluated', () => {
  it('applies fail-closed and reports the evaluation error', async () => {
    const f = await openConstitutionFixture();
    try {
      const doc = exampleDocument() as unknown as {
        principles: { invariants: { id: string; when: string; forbid: string[]; reason: string }[] }[];
      };
      // No has() guard: a refund without an amount cannot be evaluated.
      doc.principles[2]!.invariants.push({
        id: 'finance.unguarded',
        when: "action.type == 'issue_refund' && action.amount > 100.0",
        forbid: ['allow'],
        reason: 'unguarded',
      });
      await bootstrapConstitution(f.deps, { document: doc }, 'admin');
      const request = { ...refund(1), action: { type: 'issue_refund' } };
      const report = await checkCompliance(f.deps, { request, decision: 'allow' });
      const unguarded = report.applicable.find((a) => a.invariantId === 'finance.unguarded');
      assert.ok(unguarded, JSON.stringify(report.applicable));
      assert.match(unguarded.error ?? '', /amount/);
      assert.equal(report.compliant, false);
    } finally {
      await f.close();
    }
  });
});
