import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { SqliteDatabase } from './sqlite-database.js';

interface Tables {
  items: { id: number; name: string };
}

let dir: string;
let path: string;
let database: SqliteDatabase;
let commits: number[];
let db: Kysely<Tables>;
/** Another connection to the file: it sees only what is committed. */
let observer: BetterSqlite3.Database;

const committedNames = () =>
  (observer.prepare('select name from items order by id').all() as { name: string }[]).map((r) => r.name);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acgs-group-commit-'));
  path = join(dir, 'acgs.db');
  commits = [];
  database = SqliteDatabase.open(path, { groupCommit: { onCommit: (n) => commits.push(n) } });
  db = database.as<Tables>();
  await db.schema
    .createTable('items')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .execute();
  commits = [];
  observer = new BetterSqlite3(path, { readonly: true });
});

afterEach(async () => {
  observer.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

test('concurrent transactions share commits, and each resolves once another connection sees it', async () => {
  const seen: boolean[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      db
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ id: i, name: `t${i}` })
            .execute();
        })
        .then(() => seen.push(committedNames().includes(`t${i}`))),
    ),
  );
  assert.deepEqual(seen, Array(20).fill(true), 'every commit was durable when it resolved');
  assert.equal(
    commits.reduce((a, b) => a + b, 0),
    20,
  );
  assert.ok(commits.length < 20, `20 transactions took ${commits.length} commits`);
});

test('a transaction that fails rolls back alone; its neighbours in the group commit', async () => {
  const outcomes = await Promise.allSettled(
    ['a', 'b', 'c'].map((name, i) =>
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: i, name }).execute();
        if (name === 'b') {
          // A second row, then a failure: neither row of this transaction may survive.
          await trx.insertInto('items').values({ id: 10, name: 'b2' }).execute();
          throw new Error('b fails');
        }
      }),
    ),
  );
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(committedNames(), ['a', 'c']);
});

test('a write outside a transaction resolves once durable; a failing one does not disturb the group', async () => {
  const [first, duplicate, second] = await Promise.allSettled([
    db.insertInto('items').values({ id: 1, name: 'x' }).execute(),
    db.insertInto('items').values({ id: 2, name: 'x' }).execute(),
    db
      .insertInto('items')
      .values({ id: 3, name: 'y' })
      .returning('id')
      .execute()
      .then((rows) => ({ rows, visible: committedNames().includes('y') })),
  ]);
  assert.equal(first.status, 'fulfilled');
  assert.equal(duplicate.status, 'rejected', 'the unique constraint refuses the second x');
  assert.equal(second.status, 'fulfilled');
  assert.deepEqual(second.status === 'fulfilled' && second.value, { rows: [{ id: 3 }], visible: true });
  assert.deepEqual(committedNames(), ['x', 'y']);
});

test('reads outside a transaction and nested savepoints work inside a group', async () => {
  const [, count] = await Promise.all([
    db.insertInto('items').values({ id: 1, name: 'p' }).execute(),
    db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    (async () => {
      const trx = await db.startTransaction().execute();
      await trx.insertInto('items').values({ id: 2, name: 'q' }).execute();
      const inner = await trx.savepoint('inner').execute();
      await inner.insertInto('items').values({ id: 3, name: 'r' }).execute();
      await inner.rollbackToSavepoint('inner').execute();
      await inner.commit().execute();
    })(),
  ]);
  assert.equal(typeof count.n, 'number');
  assert.deepEqual(committedNames(), ['p', 'q']);
});

test('a group whose commit fails fails every transaction in it', async () => {
  // Another process holds the write lock: `begin immediate` waits busy_timeout, then fails.
  await database.close();
  database = SqliteDatabase.open(path, { busyTimeoutMs: 50 });
  db = database.as<Tables>();
  const locker = new BetterSqlite3(path);
  locker.exec('begin immediate');
  try {
    const outcomes = await Promise.allSettled([
      db.insertInto('items').values({ id: 1, name: 'l1' }).execute(),
      db.transaction().execute((trx) => trx.insertInto('items').values({ id: 2, name: 'l2' }).execute()),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
  } finally {
    locker.exec('rollback');
    locker.close();
  }
  await db.insertInto('items').values({ id: 3, name: 'after' }).execute();
  assert.deepEqual(committedNames(), ['after']);
});

test('two databases on one file in one process take turns without waiting out busy_timeout', async () => {
  // The second connection's group must not block the event loop that commits the first's.
  const other = SqliteDatabase.open(path, { busyTimeoutMs: 5000 });
  const otherDb = other.as<Tables>();
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? db : otherDb).transaction().execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ id: 100 + i, name: `n${i}` })
            .execute();
          await new Promise((resolve) => setImmediate(resolve)); // the group stays open past the turn
        }),
      ),
    );
    assert.equal(committedNames().length, 20);
    assert.ok(performance.now() - started < 4000, `took ${Math.round(performance.now() - started)} ms`);
  } finally {
    await other.close();
  }
});
