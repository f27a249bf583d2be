import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { base32Decode, base32Encode, hotp, matchTotp, totpStep } from './totp.js';

const RFC_SECRET = Buffer.from('12345678901234567890');

test('HOTP matches the RFC 4226 appendix D values', () => {
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  assert.deepEqual(
    expected.map((_, counter) => hotp(RFC_SECRET, counter)),
    expected,
  );
});

test('TOTP matches the RFC 6238 appendix B SHA-1 values (last six digits)', () => {
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of vectors)
    assert.equal(hotp(RFC_SECRET, totpStep(seconds * 1000)), code.slice(2), String(seconds));
});

test('base32 round-trips and matches RFC 4648', () => {
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
  for (let i = 0; i < 50; i++) {
    const bytes = randomBytes(i);
    assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  }
  assert.throws(() => base32Decode('not base32!'));
});

test('a code matches its step and the neighbouring ones, nothing further, and nothing malformed', () => {
  const secret = base32Encode(RFC_SECRET);
  const now = 1_700_000_000_000;
  const step = totpStep(now);
  for (const offset of [-1, 0, 1])
    assert.equal(matchTotp(secret, hotp(RFC_SECRET, step + offset), now), step + offset);
  for (const offset of [-3, -2, 2, 3])
    assert.equal(matchTotp(secret, hotp(RFC_SECRET, step + offset), now), undefined);
  assert.equal(matchTotp(secret, '12345', now), undefined);
  assert.equal(matchTotp(secret, 'abcdef', now), undefined);
});
