import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  envelopeFromEnvironment,
  newKeyEncryptionKey,
  parseKeyEncryptionKeys,
  SecretEnvelope,
} from './secret-envelope.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-kek-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SecretEnvelope', () => {
  test('seals with AES-256-GCM under the first KEK, naming it; opens with any configured KEK', () => {
    const [oldKey] = parseKeyEncryptionKeys(newKeyEncryptionKey(), 'test');
    const [newKey] = parseKeyEncryptionKeys(newKeyEncryptionKey(), 'test');
    const before = new SecretEnvelope([oldKey!]);
    const sealed = before.seal('the private key');
    assert.match(sealed, new RegExp(`^enc:v1:${oldKey!.id}:`));
    assert.ok(!sealed.includes('the private key'));
    assert.notEqual(before.seal('the private key'), sealed, 'a fresh IV each time');
    // After a rotation: the new key seals, the old one still opens what it sealed.
    const rotated = new SecretEnvelope([newKey!, oldKey!]);
    assert.equal(rotated.open(sealed), 'the private key');
    assert.match(rotated.seal('x'), new RegExp(`^enc:v1:${newKey!.id}:`));
    // Without the KEK nothing opens; a tampered value does not open.
    assert.throws(() => new SecretEnvelope([newKey!]).open(sealed), /not configured/);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.throws(() => before.open(tampered));
    // Values stored before encryption open as they are.
    assert.equal(rotated.open('plain-legacy'), 'plain-legacy');
  });

  test('from the environment: ACGS_KEK, ACGS_KEK_FILE, or a generated 0600 file in embedded mode', () => {
    const line = newKeyEncryptionKey();
    assert.ok(envelopeFromEnvironment({ ACGS_KEK: line }, undefined).sealing);
    const generated = join(dir, 'data', 'kek.key');
    const envelope = envelopeFromEnvironment({}, generated);
    assert.ok(envelope.sealing);
    assert.equal(statSync(generated).mode & 0o777, 0o600);
    const sealed = envelope.seal('s');
    assert.equal(envelopeFromEnvironment({ ACGS_KEK_FILE: generated }, undefined).open(sealed), 's');
    assert.equal(readFileSync(generated, 'utf8').trim().split(':').length, 2);
    assert.equal(envelopeFromEnvironment({}, undefined).sealing, false);
    assert.throws(() => envelopeFromEnvironment({ ACGS_KEK: 'nope' }, undefined), /ACGS_KEK/);
  });
});
