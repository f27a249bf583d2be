import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint-note.js';
import { merkleErrors } from './errors.js';
import { EMPTY_ROOT, fromHex, toHex } from './hash-rfc6962.js';
import { generateSignerKey, verifierKeyOf } from './note-keys.js';

const ROOT8 = fromHex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');

describe('checkpoints', () => {
  test('body is origin, decimal size and base64 root, one per line', () => {
    const body = formatCheckpoint({ origin: 'log.example.org/acgs', size: 8, root: ROOT8 });
    assert.equal(body, 'log.example.org/acgs\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n');
    const parsed = parseCheckpoint(body);
    assert.equal(parsed.origin, 'log.example.org/acgs');
    assert.equal(parsed.size, 8);
    assert.equal(toHex(parsed.root), toHex(ROOT8));
    assert.deepEqual(parseCheckpoint(`${body}ext\n`).extensions, ['ext']);
  });

  test('strict parsing refuses malformed bodies', () => {
    const root = Buffer.from(ROOT8).toString('base64');
    for (const body of [
      `o\n8\n${root}`, // no final newline
      `o\n8\n`, // no root
      `o\n08\n${root}\n`, // leading zero
      `o\n-1\n${root}\n`,
      `o\n1e3\n${root}\n`,
      `o\n9007199254740992\n${root}\n`, // beyond 2^53 - 1
      `\n8\n${root}\n`, // empty origin
      `o\n8\n${root.slice(0, -1)}\n`, // bad base64
      `o\n8\n${Buffer.from(ROOT8.subarray(1)).toString('base64')}\n`, // 31 bytes
      `o\n8\n${root}\n\n`, // empty extension line
    ]) {
      assert.throws(
        () => parseCheckpoint(body),
        (e) => merkleErrors.is(e, 'LOG_CHECKPOINT_MALFORMED'),
        JSON.stringify(body),
      );
    }
  });

  test('sign and open, with origin check; a rotated pair of keys both sign', () => {
    const oldKey = generateSignerKey('log.example.org/acgs');
    const newKey = generateSignerKey('log.example.org/acgs');
    const note = signCheckpoint({ origin: 'log.example.org/acgs', size: 0, root: EMPTY_ROOT }, [
      oldKey,
      newKey,
    ]);
    const checkpoint = openCheckpoint(note, [verifierKeyOf(newKey)], 'log.example.org/acgs');
    assert.equal(checkpoint.size, 0);
    assert.equal(toHex(checkpoint.root), toHex(EMPTY_ROOT));
    assert.deepEqual(verifyCheckpoint(note, [verifierKeyOf(oldKey), verifierKeyOf(newKey)]).verifiedBy, [
      'log.example.org/acgs',
    ]);
    assert.throws(
      () => openCheckpoint(note, [verifierKeyOf(oldKey)], 'other.example'),
      (e) => merkleErrors.is(e, 'LOG_CHECKPOINT_MALFORMED'),
    );
    assert.throws(
      () => openCheckpoint(note, [verifierKeyOf(generateSignerKey('log.example.org/acgs'))]),
      (e) => merkleErrors.is(e, 'LOG_NOTE_UNVERIFIED'),
    );
    // Changing the size after signing breaks the signature.
    const forged = note.replace('\n0\n', '\n1\n');
    assert.equal(verifyCheckpoint(forged, [verifierKeyOf(newKey)]).ok, false);
  });
});
