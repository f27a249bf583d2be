/**
 * A commit resolves only once an fdatasync of the WAL that began after it has completed: the
 * file's sync is replaced by one the test completes by hand, so "not yet durable" can be seen.
 * Then, with the real fdatasync, a database's transactions resolve and survive a reopen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteDatabase } from './sqlite-database.js';
import { type DurableWaiter, WalSync } from './sqlite-wal-sync.js';

function waiter(log: string[], name: string): DurableWaiter {
  return {
    resolve: () => log.push(`${name} durable`),
    reject: (e) => log.push(`${name} failed: ${String(e)}`),
  };
}

test('waiters resolve after the sync that began after their commit; commits during a sync share the next', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-wal-sync-'));
  try {
    const wal = join(dir, 'acgs.db-wal');
    writeFileSync(wal, 'frames');
    const syncs: ((error: NodeJS.ErrnoException | null) => void)[] = [];
    const walSync = new WalSync(wal, (_fd, done) => syncs.push(done));
    const log: string[] = [];

    walSync.durable([waiter(log, 'a')]);
    assert.equal(syncs.length, 1, 'a commit starts a sync');
    walSync.durable([waiter(log, 'b'), waiter(log, 'c')]);
    assert.equal(syncs.length, 1, 'commits during a sync wait for the next one');
    assert.equal(log.length, 0, 'nothing is durable before its sync completes');

    syncs[0]!(null);
    assert.deepEqual(log, ['a durable'], 'the first sync covers only the commit before it');
    assert.equal(syncs.length, 2, 'the commits made meanwhile get their own sync');
    const closed = walSync.close().then(() => log.push('closed'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!log.includes('closed'), 'close waits for the sync owed');

    const failure = Object.assign(new Error('EIO'), { code: 'EIO' });
    syncs[1]!(failure);
    await closed;
    assert.deepEqual(log, ['a durable', 'b failed: Error: EIO', 'c failed: Error: EIO', 'closed']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('transactions on a database resolve once synced and survive a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-wal-sync-'));
  const path = join(dir, 'acgs.db');
  try {
    const database = SqliteDatabase.open(path);
    const db = database.as<{ items: { id: number } }>();
    await db.schema
      .createTable('items')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute();
    await Promise.all(
      Array.from({ length: 50 }, (_, id) =>
        db.transaction().execute((trx) => trx.insertInto('items').values({ id }).execute()),
      ),
    );
    await database.close();
    const reopened = SqliteDatabase.open(path);
    const rows = await reopened.as<{ items: { id: number } }>().selectFrom('items').select('id').execute();
    assert.equal(rows.length, 50);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
