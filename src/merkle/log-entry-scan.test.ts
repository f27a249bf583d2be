import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SERVICE_NAMES } from '../kernel/services.js';
import { encodeLogEntry, type LogEntry, parseLogEntry } from './log-entry.js';
import { scanLogEntry } from './log-entry-scan.js';

function slowVerdict(text: string): boolean {
  try {
    parseLogEntry(text);
    return true;
  } catch {
    return false;
  }
}

const anyString = fc.string({ unit: 'binary', maxLength: 12 });
const payload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    anyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const entry = fc.record({
  type: fc.constantFrom('policy.decision', 'vote.cast', 'a', 'x-y.z_1'),
  time: fc
    .integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) })
    .map((ms) => new Date(ms).toISOString()),
  source: fc.constantFrom(...SERVICE_NAMES),
  payload,
});

// Edits that canonical text is sensitive to.
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ' ',
      '\\',
      '"',
      ',',
      '0',
      'e',
      '\\u0041',
      '\u2028',
      '\ud800',
      '-0',
      '1e21',
      '\t',
      '{}',
      '"":1,',
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
  }),
);

function apply(
  text: string,
  e: fc.Arbitrary<unknown> extends never
    ? never
    : { kind: string; at: number; text?: string; length?: number },
): string {
  const at = e.at % (text.length + 1);
  if (e.kind === 'insert') return text.slice(0, at) + e.text + text.slice(at);
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + (e.length ?? 1));
  return text.slice(0, at) + e.text + text.slice(at + (e.text?.length ?? 1));
}

describe('scanLogEntry agrees with parseLogEntry', () => {
  test('accepts every canonical entry', () => {
    fc.assert(
      fc.property(entry, (value) => {
        const text = encodeLogEntry(value as LogEntry);
        assert.equal(scanLogEntry(text), undefined, text);
      }),
      { numRuns: 1000 },
    );
  });

  test('gives the same verdict as the JSON.parse + canonicalJson path on edited entries', () => {
    fc.assert(
      fc.property(entry, fc.array(edit, { minLength: 1, maxLength: 3 }), (value, edits) => {
        let text = encodeLogEntry(value as LogEntry);
        for (const e of edits) text = apply(text, e);
        assert.equal(scanLogEntry(text) === undefined, slowVerdict(text), JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
  });

  test('hand-picked cases', () => {
    const base = encodeLogEntry({
      type: 'a.b',
      time: '2024-02-29T23:59:59.999Z',
      source: 'ec',
      payload: { n: 1 },
    });
    const cases = [
      base,
      base.replace('2024-02-29', '2023-02-29'),
      base.replace('2024-02-29', '2000-02-29'),
      base.replace('2024-02-29', '1900-02-29'),
      base.replace('23:59:59', '24:00:00'),
      base.replace('{"n":1}', '{"n":1e+21}'),
      base.replace('{"n":1}', '{"n":1e21}'),
      base.replace('{"n":1}', '{"n":-0}'),
      base.replace('{"n":1}', '{"n":0.1}'),
      base.replace('{"n":1}', '{"n":1.0}'),
      base.replace('{"n":1}', '{"n":1e400}'),
      base.replace('{"n":1}', '{"n":"\\u001f"}'),
      base.replace('{"n":1}', '{"n":"\\u001F"}'),
      base.replace('{"n":1}', '{"n":"\\n"}'),
      base.replace('{"n":1}', '{"n":"\\u000a"}'),
      base.replace('{"n":1}', '{"n":"\\/"}'),
      base.replace('{"n":1}', '{"a":1,"a":1}'),
      base.replace('{"n":1}', '{"b":1,"a":1}'),
      base.replace('{"n":1}', '{"\\u0000":1,"\\u0001":2}'),
      base.replace('{"n":1}', '{"\\u0001":1,"\\u0000":2}'),
      base.replace('{"n":1}', '{"__proto__":1}'),
      base.replace('{"n":1}', '["😀","\ud83d"]'),
      base.replace('{"n":1}', '[]'),
      base.replace('{"n":1}', '[,]'),
      ...[
        'a..b',
        'a.',
        '.a',
        'A',
        '1a',
        'a-',
        'a_.b',
        'a.b.c-d_e',
        'x'.repeat(128),
        'x'.repeat(129),
        'a b',
      ].map((type) => base.replace('"type":"a.b"', `"type":${JSON.stringify(type)}`)),
      ...[
        '2024-00-01',
        '2024-13-01',
        '2024-01-00',
        '2024-01-32',
        '2024-04-31',
        '2024-12-31',
        '0000-02-29',
        '9999-12-31',
      ].map((day) => base.replace('2024-02-29', day)),
      ...['23:60:00', '23:59:60', '00:00:00', '20:00:00', '19:59:59'].map((clock) =>
        base.replace('23:59:59', clock),
      ),
      base.replace('.999Z', '.99Z'),
      base.replace('.999Z', '.999+00:00'),
      base.replace('"source":"ec"', '"source":"integrity"'),
      base.replace('"source":"ec"', '"source":"ecc"'),
      base.replace('"source":"ec"', '"source":"e"'),
      `${base} `,
      base.slice(0, -1),
    ];
    for (const text of cases) assert.equal(scanLogEntry(text) === undefined, slowVerdict(text), text);
    assert.equal(scanLogEntry(base), undefined);
    assert.notEqual(scanLogEntry(base.replace('"ec"', '"xx"')), undefined);
  });
});
