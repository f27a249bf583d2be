import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyErrors } from './errors.js';
import { compilePolicySet } from './policy-engine.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  attributes: {
    'principal.roles': 'list<string>',
    'action.amount': 'double',
    'resource.external': 'bool',
    'context.pii': 'bool',
    'context.tier': 'string',
  },
});

const policies = [
  {
    id: 'allow-small',
    target: { actions: ['refund'] },
    condition: 'action.amount <= 100.0',
    effect: 'allow',
    obligations: ['log'],
  },
  {
    id: 'review-mid',
    target: { actions: ['refund'] },
    condition: 'action.amount > 100.0 && action.amount <= 1000.0',
    effect: 'review',
    priority: 5,
    principles: ['prudence'],
    obligations: [{ type: 'notify', queue: 'finance' }],
  },
  {
    id: 'review-vip',
    target: { actions: ['*'] },
    condition: "context.tier == 'vip'",
    effect: 'review',
    priority: 9,
    obligations: ['vip-desk'],
  },
  {
    id: 'deny-pii',
    target: { actions: ['email', 'refund'] },
    condition: 'resource.external && context.pii',
    effect: 'deny',
  },
];

describe('policy engine', () => {
  const engine = compilePolicySet(policies, vocabulary);

  it('indexes by action type, with wildcard policies in every list', () => {
    assert.deepEqual(
      engine.policiesFor('refund').map((p) => p.policy.id),
      ['review-vip', 'review-mid', 'allow-small', 'deny-pii'],
    );
    assert.deepEqual(
      engine.policiesFor('email').map((p) => p.policy.id),
      ['review-vip', 'deny-pii'],
    );
    assert.deepEqual(
      engine.policiesFor('unknown').map((p) => p.policy.id),
      ['review-vip'],
    );
    assert.equal(engine.defaultDecision, 'deny');
  });

  it('orders matches by priority and keeps the obligations of the winning effect', () => {
    const result = engine.decide({
      action: { type: 'refund', amount: 500 },
      context: { tier: 'vip', pii: false },
      resource: { external: true },
    });
    assert.equal(result.decision, 'review');
    assert.deepEqual(
      result.matched.map((m) => m.policyId),
      ['review-vip', 'review-mid'],
    );
    assert.deepEqual(result.obligations, ['vip-desk', { type: 'notify', queue: 'finance' }]);
    assert.deepEqual(result.matched[1], {
      policyId: 'review-mid',
      version: 1,
      effect: 'review',
      principles: ['prudence'],
      obligations: [{ type: 'notify', queue: 'finance' }],
    });
    assert.deepEqual(result.reasons, [
      "review by review-vip v1: context.tier == 'vip'",
      'review by review-mid v1: action.amount > 100.0 && action.amount <= 1000.0',
    ]);
    assert.deepEqual(result.errors, []);
    assert.equal(result.defaultApplied, false);
  });

  it('applies the default decision when nothing matches, and reports errors even then', () => {
    const allowByDefault = compilePolicySet(policies, vocabulary, { defaultDecision: 'allow' });
    const quiet = allowByDefault.decide({
      action: { type: 'email' },
      context: { tier: 'std', pii: false },
      resource: { external: false },
    });
    assert.equal(quiet.decision, 'allow');
    assert.equal(quiet.defaultApplied, true);
    assert.deepEqual(quiet.reasons, ['no policy matched; default decision is allow']);
    // allow-small fails (no amount) and grants nothing; review-vip fails and counts as matched.
    const failing = allowByDefault.decide({ action: { type: 'refund' }, resource: { external: false } });
    assert.equal(failing.decision, 'review');
    assert.deepEqual(failing.errors.map((e) => e.policyId).sort(), [
      'allow-small',
      'review-mid',
      'review-vip',
    ]);
    assert.match(
      failing.reasons.join('\n'),
      /allow policy allow-small not applied: condition failed \(no such key: amount\)/,
    );
    assert.match(failing.reasons.join('\n'), /counted as matched \(fail-closed\)/);
  });

  it('rejects an invalid request with POLICY_REQUEST_INVALID and an invalid policy set with POLICY_INVALID', () => {
    assert.throws(
      () => engine.decide({ action: { type: 'refund', amount: 'lots' } }),
      (e) => policyErrors.is(e, 'POLICY_REQUEST_INVALID'),
    );
    assert.throws(
      () => engine.decide({ action: {} }),
      (e) => policyErrors.is(e, 'POLICY_REQUEST_INVALID'),
    );
    assert.throws(
      () =>
        compilePolicySet(
          [{ id: 'x', target: { actions: ['a'] }, condition: 'action.nope', effect: 'deny' }],
          vocabulary,
        ),
      (e: unknown) =>
        policyErrors.is(e, 'POLICY_INVALID') &&
        e.errors?.[0]?.pointer === '/0/condition' &&
        /unknown attribute 'action\.nope'/.test(e.errors[0].detail),
    );
  });

  it('explains applicability, matches, errors and the false sub-expressions', () => {
    const explanation = engine.explain({
      action: { type: 'refund', amount: 5000 },
      resource: { external: true },
      context: { tier: 'std' },
    });
    assert.equal(explanation.decision.decision, 'deny');
    const byId = Object.fromEntries(explanation.policies.map((p) => [p.policyId, p]));
    assert.deepEqual(byId['allow-small'], {
      policyId: 'allow-small',
      version: 1,
      effect: 'allow',
      applicable: true,
      matched: false,
      counted: false,
      falseExpressions: ['action.amount <= 100.0'],
    });
    assert.deepEqual(byId['review-mid']?.falseExpressions, ['action.amount <= 1000.0']);
    assert.deepEqual(byId['review-vip']?.falseExpressions, ["context.tier == 'vip'".replace(/'/g, '"')]);
    assert.equal(byId['deny-pii']?.matched, false);
    assert.equal(byId['deny-pii']?.error, 'no such key: pii');
    assert.equal(byId['deny-pii']?.counted, true, 'a failing deny policy counts (fail-closed)');
    const email = engine.explain({
      action: { type: 'email' },
      resource: { external: false },
      context: { pii: true, tier: 'x' },
    });
    const emailById = Object.fromEntries(email.policies.map((p) => [p.policyId, p]));
    assert.equal(emailById['allow-small']?.applicable, false);
    assert.deepEqual(emailById['deny-pii']?.falseExpressions, ['resource.external']);
  });

  it('keeps decisions independent across calls (no state leaks between requests)', () => {
    const a = engine.decide({
      action: { type: 'refund', amount: 50 },
      context: { tier: 'x', pii: false },
      resource: { external: false },
    });
    const b = engine.decide({
      action: { type: 'refund', amount: 5000 },
      context: { tier: 'x', pii: true },
      resource: { external: true },
    });
    const c = engine.decide({
      action: { type: 'refund', amount: 50 },
      context: { tier: 'x', pii: false },
      resource: { external: false },
    });
    assert.equal(a.decision, 'allow');
    assert.equal(b.decision, 'deny');
    assert.deepEqual(c, a);
  });
});
