import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from '../kernel/canonical-json.js';
import {
  logEntryProblem,
  MAX_PAYLOAD_DEPTH,
  nestsDeeperThan,
  parseLogEntry,
  WRITER_PATTERN,
} from './log-entry.js';
import { scanLogEntry } from './log-entry-scan.js';

// Entries of any depth (written before the log limited depth at append) must be read and verified
// without overflowing the call stack; version 2 entries carry a writer (docs/log-format.md §1).

function nested(depth: number): string {
  // Built as text: alternating arrays and objects, so both container paths are exercised.
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '{"a":' : '[';
    close = (i % 2 === 0 ? '}' : ']') + close;
  }
  return `${open}"leaf"${close}`;
}

const entry = (payload: string, writer?: string) =>
  `{"payload":${payload},"source":"pgc","time":"2026-12-07T10:00:00.000Z","type":"test.deep"${writer === undefined ? '' : `,"writer":"${writer}"`}}`;

describe('log entries of any depth', () => {
  test('the scanner, the parser and canonical JSON handle 200,000 levels without recursion', () => {
    const text = entry(nested(200_000));
    assert.equal(scanLogEntry(text), undefined);
    const parsed = parseLogEntry(text);
    assert.equal(parsed.type, 'test.deep');
    assert.equal(canonicalJson(parsed), text);
    assert.equal(nestsDeeperThan(parsed.payload, MAX_PAYLOAD_DEPTH), true);
  });

  test('a deep entry that is not canonical is still named, not crashed on', () => {
    const unsorted = entry(`${nested(10_000).slice(0, -1)},"0":1}`);
    assert.equal(scanLogEntry(unsorted), 'entry is not canonical JSON');
    const unclosed = entry(nested(10_000).slice(0, -1));
    assert.notEqual(scanLogEntry(unclosed), undefined);
    assert.throws(() => parseLogEntry(unclosed));
  });

  test('nestsDeeperThan counts containers: 64 levels pass the limit, 65 do not', () => {
    const value = (depth: number) => JSON.parse(nested(depth)) as unknown;
    assert.equal(nestsDeeperThan(value(64), 64), false);
    assert.equal(nestsDeeperThan(value(65), 64), true);
    assert.equal(nestsDeeperThan('scalar', 0), false);
    assert.equal(nestsDeeperThan([[], {}], 1), true);
  });
});

describe('format version 2: the writer member', () => {
  test('version 1 and version 2 entries are both valid; the writer sorts last', () => {
    for (const text of [entry('{"n":1}'), entry('{"n":1}', 'svc-pgc'), entry('1', 'bus')]) {
      assert.equal(scanLogEntry(text), undefined, text);
      assert.equal(canonicalJson(parseLogEntry(text)), text);
    }
  });

  test('a malformed or misplaced writer is refused by the scanner and the parser alike', () => {
    const bad = [
      entry('1', 'Svc-PGC'),
      entry('1', ''),
      entry('1', `svc-${'x'.repeat(200)}`),
      entry('1', 'svc pgc'),
      '{"payload":1,"source":"pgc","time":"2026-12-07T10:00:00.000Z","type":"t","writer":1}',
      '{"payload":1,"source":"pgc","time":"2026-12-07T10:00:00.000Z","writer":"svc-pgc","type":"t"}',
      '{"payload":1,"source":"pgc","time":"2026-12-07T10:00:00.000Z","type":"t","writer":"a","x":1}',
    ];
    for (const text of bad) {
      assert.notEqual(scanLogEntry(text), undefined, text);
      assert.throws(() => parseLogEntry(text), text);
    }
    assert.match(
      String(
        logEntryProblem({
          type: 't',
          time: '2026-12-07T10:00:00.000Z',
          source: 'pgc',
          payload: 1,
          writer: 'A',
        }),
      ),
      /writer/,
    );
    assert.ok(WRITER_PATTERN.test('svc-integrity'));
  });
});
