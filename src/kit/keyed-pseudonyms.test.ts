import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createDatabase } from '../storage/create-database.js';
import { KeyedPseudonyms, secretsTableMigration } from './keyed-pseudonyms.js';
import {
  newKeyEncryptionKey,
  parseKeyEncryptionKeys,
  SecretEnvelope,
  useSecretEnvelope,
} from './secret-envelope.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-pseudonyms-'));
const database = createDatabase(`sqlite:${join(dir, 'p.db')}`);
after(async () => {
  useSecretEnvelope(new SecretEnvelope([]));
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

test('replicas on one database share one sealed key: the same value gets the same pseudonym, nothing in clear', async () => {
  useSecretEnvelope(new SecretEnvelope(parseKeyEncryptionKeys(newKeyEncryptionKey(), 'test')));
  await database.migrate('t', { '0001_secrets': secretsTableMigration('t_secrets') });
  const a = new KeyedPseudonyms(database, 't_secrets', 'k');
  const b = new KeyedPseudonyms(database, 't_secrets', 'k');
  assert.throws(() => a.hashNow('userId', 'u-1'), /not loaded/);
  const [fromA, fromB] = await Promise.all([a.hash('userId', 'u-1'), b.hash('userId', 'u-1')]);
  assert.match(fromA, /^[0-9a-f]{32}$/);
  assert.equal(fromA, fromB, 'two replicas racing to create the key agree');
  assert.equal(a.hashNow('userId', 'u-1'), fromA);
  assert.notEqual(a.hashNow('userId', 'u-2'), fromA);
  assert.notEqual(a.hashNow('username', 'u-1'), fromA, 'kinds are apart');
  const other = new KeyedPseudonyms(database, 't_secrets', 'another-key');
  assert.notEqual(await other.hash('userId', 'u-1'), fromA, 'another key, other pseudonyms');
  const rows = await database
    .as<{ t_secrets: { name: string; value: string } }>()
    .selectFrom('t_secrets')
    .selectAll()
    .execute();
  assert.equal(rows.length, 2);
  for (const row of rows) assert.match(row.value, /^enc:v1:/, 'the key is sealed with the KEK');
});
