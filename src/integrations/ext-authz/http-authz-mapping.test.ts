import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVocabulary } from '../../policy/vocabulary-parser.js';
import { MappingError } from '../attribute-mapping.js';
import { loadHttpAuthzMapping, mapHttpRequest } from './http-authz-mapping.js';

const vocabulary = parseVocabulary({
  attributes: {
    'principal.id': 'string',
    'principal.type': 'string',
    'principal.roles': 'list<string>',
    'action.amount': 'double',
    'resource.type': 'string',
    'resource.id': 'string',
    'context.customer_verified': 'bool',
  },
});

const GOOD = `principal:
  id: { from: header:x-agent-id }
  type: agent
  roles: { from: header:x-agent-roles }
routes:
  - method: [POST, PUT]
    path: /orders/{orderId}/refund
    request:
      action: { type: issue_refund, amount: { from: header:x-amount } }
      resource: { type: order, id: { from: param:orderId } }
      context: { customer_verified: { from: query:verified, required: false } }
`;

test('a request is mapped through the first matching route, values converted to the vocabulary types', () => {
  const mapping = loadHttpAuthzMapping('good.yaml', vocabulary, GOOD);
  const mapped = mapHttpRequest(mapping, {
    method: 'POST',
    uri: '/orders/o%2F1/refund?verified=true',
    headers: { 'x-agent-id': 'a-1', 'x-agent-roles': 'support-agent, lead', 'x-amount': '12.5' },
  });
  assert.deepEqual(mapped, {
    kind: 'request',
    route: '/orders/{orderId}/refund',
    request: {
      principal: { id: 'a-1', type: 'agent', roles: ['support-agent', 'lead'] },
      action: { type: 'issue_refund', amount: 12.5 },
      resource: { type: 'order', id: 'o/1' },
      context: { customer_verified: true },
    },
  });
  assert.equal(
    mapHttpRequest(mapping, { method: 'GET', uri: '/orders/o/refund', headers: {} }).kind,
    'unmatched',
  );
  const bad = mapHttpRequest(mapping, {
    method: 'PUT',
    uri: '/orders/o/refund',
    headers: { 'x-agent-id': 'a', 'x-agent-roles': 'r', 'x-amount': 'lots' },
  });
  assert.equal(bad.kind, 'invalid');
  const missing = mapHttpRequest(mapping, {
    method: 'PUT',
    uri: '/orders/o/refund',
    headers: { 'x-agent-id': 'a' },
  });
  assert.deepEqual(
    missing.kind === 'invalid' && missing.reason,
    'header x-agent-roles is missing (for principal.roles)',
  );
});

test('an attribute the vocabulary does not declare is refused with file, line and column', () => {
  const text = GOOD.replace('amount: { from: header:x-amount }', 'amout: { from: header:x-amount }');
  assert.throws(
    () => loadHttpAuthzMapping('authz.yaml', vocabulary, text),
    (error: unknown) =>
      error instanceof MappingError &&
      /^authz\.yaml:9:44: unknown attribute action\.amout/.test(error.message),
  );
});

test('a literal of the wrong type, an unknown source and a route without action.type are refused', () => {
  const text = `routes:
  - path: /x
    request:
      resource: { type: 7, id: { from: cookie:session } }
`;
  assert.throws(
    () => loadHttpAuthzMapping('m.yaml', vocabulary, text),
    (error: unknown) => {
      assert.ok(error instanceof MappingError);
      const lines = error.message.split('\n');
      assert.equal(lines.length, 3, error.message);
      assert.match(lines[0]!, /^m\.yaml:4:25: resource\.type is string; 7 is not/);
      assert.match(lines[1]!, /^m\.yaml:4:40: resource\.id: source must be one of/);
      assert.match(lines[2]!, /^m\.yaml:4:7: the route must set action\.type/);
      return true;
    },
  );
});
