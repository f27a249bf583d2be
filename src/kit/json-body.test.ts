import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlatformError } from '../kernel/errors.js';
import { parseJsonBody } from './json-body.js';

function pointerOf(text: string): string | undefined {
  try {
    parseJsonBody(text);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof PlatformError);
    assert.equal(error.code, 'BODY_MALFORMED');
    return error.errors?.[0]?.pointer ?? '(no pointer)';
  }
}

describe('the JSON body parser', () => {
  test('parses what JSON.parse parses when no key repeats', () => {
    for (const text of [
      '{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}',
      '[1,2]',
      '"x"',
      '3',
      '{"a\\"b":1,"a":2}',
    ])
      assert.deepEqual(parseJsonBody(text), JSON.parse(text));
  });

  test('refuses duplicate keys, naming the member (the audit: two amounts)', () => {
    assert.equal(pointerOf('{"action":{"type":"pay","amount":1,"amount":100000}}'), '/body/action/amount');
    assert.equal(pointerOf('{"a":1 , "a" :2}'), '/body/a');
    assert.equal(pointerOf('{"r":[{"x":1},{"y":1,"y":2}]}'), '/body/r/1/y');
    // Escapes decode before comparing: "\u0061" is "a".
    assert.equal(pointerOf('{"a":1,"\\u0061":2}'), '/body/a');
    assert.equal(pointerOf('{"s":"a\\\\","s":1}'), '/body/s');
    assert.equal(pointerOf('{"a/b":1,"a/b":2}'), '/body/a~1b');
  });

  test('a value that looks like a key is not one', () => {
    assert.deepEqual(parseJsonBody('{"a":"a","b":["a","a"],"c":{"a":"a"}}'), {
      a: 'a',
      b: ['a', 'a'],
      c: { a: 'a' },
    });
  });

  test('refuses __proto__ keys, invalid JSON and an empty body', () => {
    assert.equal(pointerOf('{"x":{"__proto__":{"admin":true}}}'), '/body/x/__proto__');
    // Escaped, the key is still __proto__ once parsed (the probe: it reached the log).
    assert.equal(pointerOf('{"x":{"\\u005f_proto__":{"admin":true}}}'), '/body/x/__proto__');
    assert.equal(pointerOf('[{"__proto_\\u005f":1}]'), '/body/0/__proto__');
    assert.equal(pointerOf('{"a":'), '(no pointer)');
    assert.equal(pointerOf(''), '(no pointer)');
  });

  test('any depth', () => {
    const deep = `${'['.repeat(100_000)}{"a":1,"a":2}${']'.repeat(100_000)}`;
    assert.match(String(pointerOf(deep)), /\/0\/a$/);
  });
});
