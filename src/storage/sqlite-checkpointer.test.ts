/**
 * WAL checkpoints run in the checkpointer's thread: under a steady stream of commits the WAL stays
 * near its threshold although the main connection's own automatic checkpoint is set two orders of
 * magnitude further off, every row survives a close and reopen, and closing ends the thread.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CheckpointMode, CheckpointReply } from './sqlite-checkpoint-worker.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from './sqlite-checkpointer.js';
import { SqliteDatabase } from './sqlite-database.js';

interface Tables {
  blobs: { id: number; body: string };
}

const THRESHOLD = 1024 * 1024;
const ROWS = 1200;
const BODY = 'x'.repeat(40_000);

/** The database's `blobs` table, created. */
async function withBlobsTable(database: SqliteDatabase) {
  const db = database.as<Tables>();
  await db.schema
    .createTable('blobs')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  return db;
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

test('checkpoints happen in the worker and keep the WAL bounded under steady writes', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-checkpointer-'));
  const path = join(dir, 'acgs.db');
  try {
    const checkpoints: { mode: CheckpointMode; reply: CheckpointReply }[] = [];
    const database = SqliteDatabase.open(path, {
      checkpointer: {
        thresholdBytes: THRESHOLD,
        onCheckpoint: (mode, reply) => checkpoints.push({ mode, reply }),
      },
    });
    const db = await withBlobsTable(database);
    let largestWal = 0;
    // 48 MB in 1,200 commits, two writers at a time so commits keep coming while a checkpoint runs.
    for (let i = 0; i < ROWS; i += 2) {
      await Promise.all([
        db.insertInto('blobs').values({ id: i, body: BODY }).execute(),
        db
          .insertInto('blobs')
          .values({ id: i + 1, body: BODY })
          .execute(),
      ]);
      largestWal = Math.max(largestWal, walBytes(path));
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const succeeded = checkpoints.filter((c) => c.reply.ok);
    assert.ok(succeeded.length >= 3, `checkpoints: ${JSON.stringify(checkpoints.slice(0, 5))}`);
    assert.deepEqual(
      checkpoints.filter((c) => !c.reply.ok),
      [],
    );
    // Without the worker the WAL would hold all 48 MB (the main connection's own checkpoint waits
    // for FALLBACK_AUTOCHECKPOINT_PAGES, 256 MiB); with it, the WAL holds what is written while a
    // checkpoint runs (8–9 MB here on an idle machine).
    assert.ok(FALLBACK_AUTOCHECKPOINT_PAGES * 4096 > ROWS * BODY.length * 4);
    assert.ok(
      largestWal < 20 * THRESHOLD + 2 * BODY.length,
      `the WAL reached ${largestWal} bytes: ${JSON.stringify(checkpoints)}`,
    );
    await database.close();

    const reopened = SqliteDatabase.open(path, { checkpointer: false });
    const row = await reopened
      .as<Tables>()
      .selectFrom('blobs')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.fn('length', ['body'])).as('bytes'),
      ])
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.n), ROWS);
    assert.equal(Number(row.bytes), ROWS * BODY.length);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database whose WAL stays small never starts the thread, and closes at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-checkpointer-'));
  const path = join(dir, 'acgs.db');
  try {
    const checkpoints: CheckpointMode[] = [];
    const database = SqliteDatabase.open(path, {
      checkpointer: { onCheckpoint: (mode) => checkpoints.push(mode) },
    });
    const db = await withBlobsTable(database);
    for (let i = 0; i < 20; i++) await db.insertInto('blobs').values({ id: i, body: 'small' }).execute();
    await database.close();
    assert.deepEqual(checkpoints, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
