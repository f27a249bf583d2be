/** `Database.listen` on PostgreSQL: notifications arrive, and a lost connection comes back by itself. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { externalService } from '../../test/support/external-services.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
} from '../../test/support/postgres-database.js';
import { PostgresDatabase } from './postgres-database.js';

const postgres = await externalService('postgres');

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('PostgresDatabase.listen', { skip: postgres.skip }, () => {
  let temporary: TemporaryDatabase;
  let database: PostgresDatabase;
  before(async () => {
    temporary = await createTemporaryPostgresDatabase(postgres.url, 'listen');
    database = PostgresDatabase.open(temporary.url, { applicationName: 'listen-test' });
  });
  after(async () => {
    await database.close();
    await temporary.drop();
  });

  test('a NOTIFY from another connection arrives; after its connection is killed it listens again', async () => {
    const heard: string[] = [];
    const listener = database.listen(['chan_a', 'chan_b'], (channel) => heard.push(channel));
    try {
      // Once listening, each channel is reported once: notifications before it are unknown.
      await until(() => listener.listening && heard.length === 2, 'the first connection');
      assert.deepEqual(heard.sort(), ['chan_a', 'chan_b']);
      heard.length = 0;
      await sql`select pg_notify('chan_b', '')`.execute(database.db);
      await until(() => heard.length === 1, 'the notification');
      assert.deepEqual(heard, ['chan_b']);

      heard.length = 0;
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'listen-test-listen' and datname = current_database()`.execute(database.db);
      await until(() => heard.length === 2, 'listening again after the connection was killed');
      assert.deepEqual(heard.sort(), ['chan_a', 'chan_b']);
      heard.length = 0;
      await sql`select pg_notify('chan_a', '')`.execute(database.db);
      await until(() => heard.length === 1, 'a notification after the reconnection');
      assert.deepEqual(heard, ['chan_a']);
    } finally {
      await listener.stop();
    }
    assert.equal(listener.listening, false);
  });

  test('channel names are identifiers', () => {
    assert.throws(() => database.listen(['bad; drop table x'], () => {}), /not a channel name/);
  });
});
