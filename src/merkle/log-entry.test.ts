import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { merkleErrors } from './errors.js';
import { toHex } from './hash-rfc6962.js';
import { encodeLogEntry, type LogEntry, logEntryLeafHash, parseLogEntry } from './log-entry.js';

const entry: LogEntry = {
  type: 'policy.decision',
  time: '2026-11-30T05:00:00.123Z',
  source: 'pgc',
  payload: { decision: 'allow', request: { action: { type: 'email.send', amount: 1.5 } }, tags: ['é', '😀'] },
};

const malformed = (e: unknown) => merkleErrors.is(e, 'LOG_ENTRY_MALFORMED');

describe('log entries', () => {
  test('encode to RFC 8785 canonical JSON, keys sorted, no whitespace', () => {
    assert.equal(
      encodeLogEntry(entry),
      '{"payload":{"decision":"allow","request":{"action":{"amount":1.5,"type":"email.send"}},"tags":["é","😀"]},' +
        '"source":"pgc","time":"2026-11-30T05:00:00.123Z","type":"policy.decision"}',
    );
  });

  test('leaf hash is SHA-256 of 0x00 and the UTF-8 bytes of the canonical text', () => {
    const text = encodeLogEntry(entry);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8')]))
      .digest();
    assert.equal(toHex(logEntryLeafHash(text)), expected.toString('hex'));
  });

  test('parse accepts exactly the canonical text and round-trips any JSON payload', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const text = encodeLogEntry({ ...entry, payload: payload as LogEntry['payload'] });
        assert.equal(encodeLogEntry(parseLogEntry(text)), text);
      }),
      { numRuns: 200 },
    );
  });

  test('parse refuses non-canonical text, wrong members and bad field values', () => {
    const text = encodeLogEntry(entry);
    const bad = [
      text.replace('{"payload"', '{ "payload"'),
      `${text}\n`,
      JSON.stringify({ type: entry.type, time: entry.time, source: entry.source, payload: entry.payload }),
      text.replace('1.5', '1.50'),
      text.replace('"é"', '"\\u00e9"'),
      text.replace('"source":"pgc"', '"source":"nobody"'),
      text.replace('05:00:00.123Z', '05:00:00Z'),
      text.replace('2026-11-30', '2026-02-30'),
      text.replace('"type":"policy.decision"', '"type":"Policy Decision"'),
      text.replace('"type":"policy.decision"', '"extra":1,"type":"policy.decision"'),
      text.replace('"payload":{', '"payload":{"a":"\\ud800",'),
      '[]',
      'not json',
    ];
    for (const candidate of bad) assert.throws(() => parseLogEntry(candidate), malformed, candidate);
    assert.throws(() => encodeLogEntry({ ...entry, time: 'yesterday' }), malformed);
    assert.throws(() => encodeLogEntry({ ...entry, payload: Number.NaN }), malformed);
  });
});
