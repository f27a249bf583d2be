import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { merkleErrors } from './errors.js';
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
  verifierKeyOf,
} from './note-keys.js';
import { openNote, parseSignedNote, signNote, verifyNote } from './signed-note.js';

// Known answer from golang.org/x/mod/sumdb/note, the reference implementation of the format.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
// The example in c2sp.org/signed-note.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const isCode = (code: Parameters<typeof merkleErrors.is>[1]) => (e: unknown) => merkleErrors.is(e, code);

describe('note keys', () => {
  test('the Go reference key parses, derives its vkey and key id, and re-encodes byte for byte', () => {
    const signer = parseSignerKey(GO_SKEY);
    assert.equal(signer.name, 'PeterNeumann');
    assert.equal(signer.keyId, 0xc74f20a3);
    assert.equal(formatVerifierKey(signer), GO_VKEY);
    assert.equal(formatSignerKey(signer), GO_SKEY);
    const verifier = parseVerifierKey(GO_VKEY);
    assert.equal(noteKeyId(verifier.name, verifier.publicKey), 0xc74f20a3);
  });

  test('generated keys round-trip through vkey and skey strings', () => {
    const signer = generateSignerKey('log.example.org/acgs');
    const again = parseSignerKey(formatSignerKey(signer));
    assert.equal(formatVerifierKey(again), formatVerifierKey(signer));
    assert.deepEqual(parseVerifierKey(formatVerifierKey(signer)).publicKey, signer.publicKey);
    assert.notEqual(formatVerifierKey(generateSignerKey('log.example.org/acgs')), formatVerifierKey(signer));
  });

  test('every truncation or one-byte change of a vkey or skey is rejected', () => {
    for (const [key, parse] of [
      [GO_VKEY, parseVerifierKey],
      [GO_SKEY, parseSignerKey],
    ] as const) {
      for (let i = 0; i < key.length; i++) {
        for (let j = i + 1; j <= key.length; j++) {
          if (i === 0 && j === key.length) continue;
          assert.throws(() => parse(key.slice(i, j)), isCode('LOG_KEY_MALFORMED'), key.slice(i, j));
        }
        const mangled = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
        assert.throws(() => parse(mangled), isCode('LOG_KEY_MALFORMED'), mangled);
      }
    }
    // Wrong key length and unknown algorithm, each with a key id adjusted to match.
    assert.throws(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    );
    assert.throws(() =>
      parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    );
  });

  test('key names with spaces, plus signs or control characters are refused', () => {
    for (const name of ['', 'a b', 'a+b', 'a\u00a0b', 'a\nb', 'a\u2003b']) {
      assert.throws(() => generateSignerKey(name), isCode('LOG_KEY_MALFORMED'), JSON.stringify(name));
    }
  });
});

describe('signed notes', () => {
  test('signing the Go example text with the Go key reproduces the published note exactly', () => {
    const note = signNote(GO_TEXT, [parseSignerKey(GO_SKEY)]);
    assert.equal(note, `${GO_TEXT}\n${GO_SIG}`);
    assert.equal(openNote(note, [parseVerifierKey(GO_VKEY)]), GO_TEXT);
  });

  test('the c2sp.org/signed-note example verifies', () => {
    const result = verifyNote(SPEC_NOTE, [parseVerifierKey(SPEC_VKEY)]);
    assert.equal(result.ok, true);
    assert.deepEqual(result.verifiedBy, ['example.com/foo']);
    assert.equal(result.text, 'This is an example message.\n');
  });

  test('rotation: a note signed by old and new keys verifies with either, and lists both', () => {
    const oldKey = generateSignerKey('log.example.org/acgs');
    const newKey = generateSignerKey('log.example.org/acgs');
    const note = signNote('hello\n', [oldKey, newKey]);
    assert.equal(parseSignedNote(note).signatures.length, 2);
    assert.equal(verifyNote(note, [verifierKeyOf(oldKey)]).ok, true);
    assert.equal(verifyNote(note, [verifierKeyOf(newKey)]).ok, true);
    assert.deepEqual(verifyNote(note, [verifierKeyOf(newKey)]).unknown.length, 1);
  });

  test('unknown keys are ignored; a note with no known signer or a bad known signature does not open', () => {
    const key = generateSignerKey('a.example');
    const other = generateSignerKey('b.example');
    const note = signNote('text\n', [key]);
    const unknownOnly = verifyNote(note, [verifierKeyOf(other)]);
    assert.equal(unknownOnly.ok, false);
    assert.equal(unknownOnly.unknown.length, 1);
    assert.throws(() => openNote(note, [verifierKeyOf(other)]), isCode('LOG_NOTE_UNVERIFIED'));
    // Same name and key id, but the text was changed after signing.
    const tampered = note.replace('text', 'test');
    const result = verifyNote(tampered, [verifierKeyOf(key)]);
    assert.equal(result.ok, false);
    assert.equal(result.failed.length, 1);
    // Same name and key, the signature itself flipped.
    const sigLine = note.split('\n\n')[1]!;
    const b64 = sigLine.split(' ')[2]!.trim();
    const bytes = Buffer.from(b64, 'base64');
    bytes[10]! ^= 1;
    const flipped = note.replace(b64, bytes.toString('base64'));
    assert.equal(verifyNote(flipped, [verifierKeyOf(key)]).ok, false);
  });

  test('malformed notes are rejected', () => {
    const good = signNote('text\n', [generateSignerKey('k.example')]);
    const sig = good.slice(good.indexOf('\u2014'));
    const bad = [
      'text\n', // no signatures
      `text\n\n`,
      `text\n${sig}`, // no blank line
      `text\n\n${sig.slice(0, -1)}`, // no final newline
      `text\n\n${sig.replace('\u2014', '-')}`, // hyphen, not em dash
      `text\n\n${sig.replace('\u2014 ', '\u2014')}`,
      `text\n\n${sig.replace(' k.example ', ' k.example  ')}`,
      `text\n\n${sig.replace('=\n', '\n')}`, // unpadded base64
      `text\n\n\u2014 k.example AAAA\n`, // too short to hold a key id and a signature
      `te\u0007xt\n\n${sig}`, // control character
      `te\ud800xt\n\n${sig}`, // lone surrogate
      `text\n\n${sig}\n`, // trailing blank line
      `\n\n${sig}`.slice(1), // empty text
      `text\n\n${sig.repeat(101)}`,
    ];
    for (const note of bad)
      assert.throws(() => parseSignedNote(note), isCode('LOG_NOTE_MALFORMED'), JSON.stringify(note));
    assert.equal(parseSignedNote(`text\n\n${sig.repeat(16)}`).signatures.length, 16);
    assert.throws(
      () => signNote('no newline', [generateSignerKey('k.example')]),
      isCode('LOG_NOTE_MALFORMED'),
    );
  });

  test('text may contain blank lines: the last blank line separates the signatures', () => {
    const key = generateSignerKey('k.example');
    const note = signNote('a\n\nb\n', [key]);
    assert.equal(openNote(note, [verifierKeyOf(key)]), 'a\n\nb\n');
  });
});
