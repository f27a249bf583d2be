import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../kernel/canonical-json.js';
import { requestDigest } from './request-digest.js';

test('the request digest is SHA-256 of the kernel canonical JSON, for any JSON value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const expected = createHash('sha256').update(canonicalJson(value)).digest('hex');
      assert.equal(requestDigest(value), expected);
    }),
    { numRuns: 2000 },
  );
});

test('objects with unsorted, array-index, __proto__ and non-ASCII keys digest as canonical JSON', () => {
  const key = fc.oneof(
    fc.string(),
    fc.constantFrom('__proto__', '0', '1', '10', '9', '01', '4294967295', 'é', '\u{1F600}', 'a', 'B'),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(key, tie('node'), { maxKeys: 5 }),
    ),
  })).node;
  fc.assert(
    fc.property(tree, (value) => {
      const parsed = JSON.parse(JSON.stringify(value)) as unknown;
      const expected = createHash('sha256').update(canonicalJson(parsed)).digest('hex');
      assert.equal(requestDigest(parsed), expected);
    }),
    { numRuns: 3000 },
  );
});

test('key order does not change the digest; any value does', () => {
  const a = { action: { type: 'refund', amount: 5 }, principal: { id: 'x', roles: ['a', 'b'] } };
  const b = { principal: { roles: ['a', 'b'], id: 'x' }, action: { amount: 5, type: 'refund' } };
  assert.equal(requestDigest(a), requestDigest(b));
  assert.notEqual(requestDigest(a), requestDigest({ ...a, action: { type: 'refund', amount: 6 } }));
  assert.notEqual(requestDigest(a), requestDigest({ ...a, principal: { id: 'x', roles: ['b', 'a'] } }));
});
