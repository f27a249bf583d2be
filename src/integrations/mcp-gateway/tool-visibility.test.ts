import assert from 'node:assert/strict';
import { test } from 'node:test';
import { couldBeAllowed, knownValues } from './tool-visibility.js';

const agent = { id: 'a-1', type: 'agent', roles: ['support-agent'] };
const policies = [
  {
    effect: 'allow',
    target: { actions: ['send_marketing'] },
    condition: "'marketing-agent' in principal.roles && context.ok",
  },
  {
    effect: 'review',
    target: { actions: ['*'] },
    condition: "principal.type == 'agent' && context.tier == 'vip'",
  },
  { effect: 'deny', target: { actions: ['issue_refund'] }, condition: 'true' },
  {
    effect: 'allow',
    target: { actions: ['issue_refund'] },
    condition: "action.amount < 100.0 || 'x' in principal.roles",
  },
];

test('a tool is hidden only when every allow/review policy has a conjunct false for the known values', () => {
  // The wildcard review could fire for an agent when the tier is not fixed by the mapping.
  assert.equal(couldBeAllowed(policies, 'send_marketing', knownValues(agent, []), 'deny'), true);
  assert.equal(
    couldBeAllowed(policies, 'send_marketing', knownValues(agent, [['context.tier', 'standard']]), 'deny'),
    false,
  );
  assert.equal(
    couldBeAllowed(
      policies,
      'send_marketing',
      knownValues({ ...agent, roles: ['marketing-agent'] }, [['context.tier', 'standard']]),
      'deny',
    ),
    true,
  );
  assert.equal(
    couldBeAllowed(policies, 'send_marketing', knownValues({ ...agent, type: 'human' }, []), 'deny'),
    false,
  );
  // A disjunction is never ruled out; deny policies never make a tool visible.
  assert.equal(
    couldBeAllowed(policies, 'issue_refund', knownValues(agent, [['context.tier', 'standard']]), 'deny'),
    true,
  );
  assert.equal(couldBeAllowed(policies.slice(2, 3), 'issue_refund', knownValues(agent, []), 'deny'), false);
  // A default that is not deny allows everything.
  assert.equal(couldBeAllowed([], 'anything', knownValues(agent, []), 'review'), true);
});
