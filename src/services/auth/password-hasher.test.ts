import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, SCRYPT_PARAMETERS, verifyPassword } from './password-hasher.js';

test('passwords are hashed with scrypt at N=2^17, r=8, p=1 and a fresh salt; only the right one verifies', async () => {
  const [first, second] = await Promise.all([
    hashPassword('correct horse battery'),
    hashPassword('correct horse battery'),
  ]);
  assert.match(first, /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(SCRYPT_PARAMETERS, { logN: 17, r: 8, p: 1, keyLength: 32 });
  assert.notEqual(first, second, 'salted');
  assert.equal(first.includes('correct'), false);
  assert.equal(await verifyPassword('correct horse battery', first), true);
  assert.equal(await verifyPassword('correct horse batterY', first), false);
  assert.equal(await verifyPassword('', first), false);
});

test('malformed or weakened stored hashes never verify', async () => {
  for (const stored of [
    '',
    'plain',
    'scrypt$17$8$1$c2FsdA$',
    'scrypt$9$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    'bcrypt$x$y$z$a$b',
  ]) {
    assert.equal(await verifyPassword('anything', stored), false, stored);
  }
});
