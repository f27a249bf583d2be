import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCondition } from './cel-ast.js';
import { printCel } from './cel-printer.js';
import { unquoteFields } from './cel-quoted-fields.js';

describe('backtick-quoted field names', () => {
  it('keeps every offset, leaves string literals and non-selections alone', () => {
    const text = 'm.`a-b` == \'x.`c`\' && m.`k` == "`d`" && m . `e/f g`.h';
    const { text: out, names } = unquoteFields(text);
    assert.equal(out.length, text.length);
    assert.deepEqual([...names.values()], ['a-b', 'k', 'e/f g']);
    assert.ok(out.includes("'x.`c`'") && out.includes('"`d`"'));
    assert.equal(unquoteFields('`a` == 1').text, '`a` == 1');
  });

  it('parses to selections of the names, printed back with backticks, at their offsets', () => {
    const parsed = parseCondition('resource.labels.`app.kubernetes.io/name` == "web"');
    assert.ok(parsed.ok);
    assert.equal(printCel(parsed.ast), 'resource.labels.`app.kubernetes.io/name` == "web"');
    const bad = parseCondition('resource.labels.`a` == ');
    assert.equal(bad.ok, false);
  });
});
