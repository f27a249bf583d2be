/** The workers' byte-level entry-line parser never disagrees with the string parser it shortcuts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeLogEntry, type JsonValue } from '../../merkle/index.js';
import { type EntryLineParts, parseEntryLine, parseEntryLineBytes } from './log-verify-lines.js';

const text = (payload: JsonValue) =>
  encodeLogEntry({ type: 'policy.decision', time: '2026-11-30T05:00:00.000Z', source: 'pgc', payload });
const hash = 'ab'.repeat(32);
const v1 = (index: number | string, entry: string) =>
  `{"kind":"entry","index":${index},"entry":${JSON.stringify(entry)}}`;
const stored = (index: number, entry: string, tail: string) => `${v1(index, entry).slice(0, -1)}${tail}}`;

const ascii = text({ a: 'x"y\\z', n: 1 });
const lines: [string, boolean][] = [
  [v1(0, ascii), true],
  [v1(123456, ascii), true],
  [stored(7, ascii, `,"leafHash":"${hash}"`), true],
  [stored(7, ascii, `,"leafHash":"${hash}","nodes":["${hash}","${hash}"]`), true],
  // The byte path leaves these to the string path (which may still accept them).
  [v1(1, text({ s: 'é' })), false], // non-ASCII
  [v1(1, text({ s: 'a\nb' })), true], // the entry's \n is \\n in the line
  ['{"kind":"entry","index":1,"entry":"\\u0041bc"}', false], // an escape other than \" and \\
  [v1('01', ascii), false], // leading zero
  [v1('1234567890123456', ascii), false], // more than 15 digits
  [stored(7, ascii, `,"leafHash":"${'é'.repeat(32)}"`), false], // 79 bytes, fewer characters
  [stored(7, ascii, `,"leafHash":"${hash.slice(2)}"`), false], // short hash: not where the string path cuts
  [stored(7, ascii, `,"leafHash":"${hash}","kind":"checkpoint","note":"x"`), false],
  [stored(7, ascii, `,"nodes":["${hash}"],"leafHash":"${hash}"`), false],
  [`${v1(3, ascii)} `, false],
  ['{"kind":"entry","index":3,"entry":"abc"', false],
  ['{"kind":"entry","index":3,"entry":"a"b"}', false],
  ['', false],
];

test('parseEntryLineBytes accepts only lines parseEntryLine reads the same way, with the same bytes', () => {
  const out = Buffer.alloc(1 << 16);
  for (const [line, fast] of lines) {
    const bytes = Buffer.from(`${line}\n`);
    const viaBytes: EntryLineParts = { index: -1, entry: '' };
    const size = parseEntryLineBytes(bytes, 0, bytes.length - 1, out, viaBytes);
    assert.equal(size >= 0, fast, line);
    if (size < 0) continue;
    const viaString: EntryLineParts = { index: -1, entry: '' };
    assert.ok(parseEntryLine(line, viaString), line);
    assert.equal(viaBytes.index, viaString.index);
    assert.equal(out[0], 0);
    assert.deepEqual(out.subarray(1, size), Buffer.from(viaString.entry, 'utf8'));
  }
});
