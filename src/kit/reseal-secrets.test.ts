import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Kysely } from 'kysely';
import { createDatabase } from '../storage/create-database.js';
import { resealStoredSecrets } from './reseal-secrets.js';
import {
  newKeyEncryptionKey,
  parseKeyEncryptionKeys,
  SecretEnvelope,
  sealSecret,
  useSecretEnvelope,
} from './secret-envelope.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-reseal-'));
const database = createDatabase(`sqlite:${join(dir, 'r.db')}`);
after(async () => {
  useSecretEnvelope(new SecretEnvelope([]));
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

test('secrets plain or sealed with an older KEK are sealed with the current one; others, and other rows, are left', async () => {
  await database.migrate('t', {
    '0001': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('t_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('secret', 'text')
          .execute();
      },
    },
  });
  const oldKek = newKeyEncryptionKey();
  const newKek = newKeyEncryptionKey();
  useSecretEnvelope(new SecretEnvelope(parseKeyEncryptionKeys(oldKek, 'old')));
  const rows = { plain: 'plain-secret', old: sealSecret('old-secret'), none: null, meta: 'not-a-secret' };
  const table = database.as<{ t_keys: { id: string; secret: string | null } }>();
  await table
    .insertInto('t_keys')
    .values(Object.entries(rows).map(([id, secret]) => ({ id, secret })))
    .execute();
  const columns = [
    { table: 't_keys', key: 'id', column: 'secret', rows: ['plain', 'old', 'none', 'current'] },
  ];

  const rotated = new SecretEnvelope(parseKeyEncryptionKeys(`${newKek},${oldKek}`, 'rotated'));
  useSecretEnvelope(rotated);
  await table
    .insertInto('t_keys')
    .values({ id: 'current', secret: sealSecret('current-secret') })
    .execute();
  const currentBefore = (
    await table.selectFrom('t_keys').select('secret').where('id', '=', 'current').executeTakeFirst()
  )?.secret;

  assert.equal(await resealStoredSecrets(database, columns), 2, 'the plain one and the old one');
  const stored = Object.fromEntries(
    (await table.selectFrom('t_keys').selectAll().execute()).map((row) => [row.id, row.secret]),
  );
  const newId = newKek.split(':')[0]!;
  for (const id of ['plain', 'old', 'current']) assert.ok(stored[id]?.startsWith(`enc:v1:${newId}:`), id);
  assert.equal(stored.current, currentBefore, 'one sealed with the current KEK is not rewritten');
  assert.equal(stored.none, null);
  assert.equal(stored.meta, 'not-a-secret', 'rows not named are not secrets');
  const newOnly = new SecretEnvelope(parseKeyEncryptionKeys(newKek, 'new'));
  assert.deepEqual(
    ['plain', 'old', 'current'].map((id) => newOnly.open(stored[id]!)),
    ['plain-secret', 'old-secret', 'current-secret'],
    'the old KEK is no longer needed',
  );
  assert.equal(await resealStoredSecrets(database, columns), 0, 'a second run has nothing to do');

  useSecretEnvelope(new SecretEnvelope([]));
  await table.updateTable('t_keys').set({ secret: 'plain-again' }).where('id', '=', 'plain').execute();
  assert.equal(await resealStoredSecrets(database, columns), 0, 'without a KEK nothing is rewritten');
});
