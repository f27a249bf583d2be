import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

test('RFC 8785: keys sorted by UTF-16 code units, no whitespace, shortest numbers', () => {
  assert.equal(
    canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.1, x: -0 } }),
    '{"a":[true,null,"x"],"b":1,"c":{"x":0,"y":0.1,"z":1e+21}}',
  );
  // RFC 8785 §3.2.3: sorting is on UTF-16 code units, so U+20AC (€) sorts before U+1F600 (😀, a surrogate pair).
  assert.equal(canonicalJson({ '😀': 1, '€': 2, '\r': 3, '1': 4 }), '{"\\r":3,"1":4,"€":2,"😀":1}');
  assert.equal(canonicalJson('\u2028\u0007"'), '"\u2028\\u0007\\""');
});

test('undefined members are omitted; non-finite numbers are refused', () => {
  assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
  assert.throws(() => canonicalJson({ a: Number.NaN }), /non-finite number at \/a/);
});

test('the same value in any key order gives the same bytes', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const reordered = JSON.parse(
        JSON.stringify(value, (_key, v) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ),
      );
      assert.equal(canonicalJson(reordered), canonicalJson(value));
      assert.deepEqual(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(value)));
    }),
    { numRuns: 300 },
  );
});
