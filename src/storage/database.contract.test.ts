/**
 * The Database conformance suite, looped over every adapter (SQLite file, PostgreSQL database).
 * PostgreSQL tests are skipped with a notice when no server answers, and fail under CI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Generated, type Kysely, type Migration, sql } from 'kysely';
import { externalService } from '../../test/support/external-services.js';
import { createTemporaryPostgresDatabase } from '../../test/support/postgres-database.js';
import { createTcpProxy } from '../../test/support/tcp-proxy.js';
import { createDatabase } from './create-database.js';
import type { Database } from './database.js';
import { storageErrors } from './errors.js';
import { autoIncrementId, columnTypes, dialectOf, nowMs } from './schema-helpers.js';

interface Fixture {
  readonly database: Database;
  /** The URL `database` was opened from, for other processes. */
  readonly url: string;
  /** Opens a second connection to the same database (a "restart"). */
  reopen(): Database;
  cleanup(): Promise<void>;
}

interface DialectCase {
  readonly name: string;
  readonly skip: string | false;
  setup(): Promise<Fixture>;
}

const postgres = await externalService('postgres');

const DIALECTS: readonly DialectCase[] = [
  {
    name: 'sqlite',
    skip: false,
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'acgs-storage-'));
      const url = `sqlite:${join(dir, 'nested', 'acgs.db')}`;
      const opened: Database[] = [];
      const open = () => {
        const database = createDatabase(url);
        opened.push(database);
        return database;
      };
      return {
        database: open(),
        url,
        reopen: open,
        async cleanup() {
          for (const database of opened) await database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: postgres.skip,
    async setup() {
      const temporary = await createTemporaryPostgresDatabase(postgres.url, 'storage');
      const opened: Database[] = [];
      const open = () => {
        const database = createDatabase(temporary.url, { poolSize: 4 });
        opened.push(database);
        return database;
      };
      return {
        database: open(),
        url: temporary.url,
        reopen: open,
        async cleanup() {
          for (const database of opened) await database.close();
          await temporary.drop();
        },
      };
    },
  },
];

interface NoteTables {
  notes: { id: Generated<number>; body: string; created_ms: Generated<number>; payload: Buffer | null };
}

const noteMigrations: Record<string, Migration> = {
  '0001_notes': {
    async up(db: Kysely<unknown>) {
      const dialect = dialectOf(db);
      await db.schema
        .createTable('notes')
        .$call(autoIncrementId(dialect))
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull().defaultTo(nowMs(dialect)))
        .execute();
    },
  },
  '0002_notes_payload': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('notes')
        .addColumn('payload', columnTypes(dialectOf(db)).blob)
        .execute();
    },
  },
};

const run = promisify(execFile);

const racingMigrations: Record<string, Migration> = {
  '0001_slow': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('race_one').addColumn('k', 'text').execute();
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
  },
  '0002_after': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('race_two').addColumn('k', 'text').execute();
    },
  },
};

/** A child process that runs `racingMigrations` against `url` and prints what it applied. */
function racingMigration(url: string): string {
  const module = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
  return `
const { createDatabase } = await import(${module('./create-database.js')});
const database = createDatabase(${JSON.stringify(url)});
const migrations = {
  '0001_slow': { async up(db) {
    await db.schema.createTable('race_one').addColumn('k', 'text').execute();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } },
  '0002_after': { async up(db) { await db.schema.createTable('race_two').addColumn('k', 'text').execute(); } },
};
const report = await database.migrate('race', migrations);
console.log(JSON.stringify(report.applied));
await database.close();
`;
}

async function tableExists(database: Database, table: string): Promise<boolean> {
  const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.some((t) => t.name === table);
}

for (const dialect of DIALECTS) {
  describe(`Database contract: ${dialect.name}`, { skip: dialect.skip }, () => {
    async function withFixture(run: (fixture: Fixture) => Promise<void>): Promise<void> {
      const fixture = await dialect.setup();
      try {
        await run(fixture);
      } finally {
        await fixture.cleanup();
      }
    }

    test('reports its dialect and answers ping', () =>
      withFixture(async ({ database }) => {
        assert.equal(database.dialect, dialect.name);
        await database.ping();
      }));

    test('applies migrations once, in order, and reports what it applied', () =>
      withFixture(async ({ database, reopen }) => {
        const first = await database.migrate('notes', { '0001_notes': noteMigrations['0001_notes']! });
        assert.deepEqual(first, { owner: 'notes', applied: ['0001_notes'] });
        const second = await database.migrate('notes', noteMigrations);
        assert.deepEqual(second.applied, ['0002_notes_payload']);
        const again = await reopen().migrate('notes', noteMigrations);
        assert.deepEqual(again.applied, []);
        assert.ok(await tableExists(database, 'acgs_migrations_notes'));
      }));

    test('keeps each owner’s migration history separate', () =>
      withFixture(async ({ database }) => {
        const make = (table: string): Record<string, Migration> => ({
          '0001_init': {
            async up(db: Kysely<unknown>) {
              await db.schema
                .createTable(table)
                .addColumn('k', 'text', (c) => c.primaryKey())
                .execute();
            },
          },
        });
        assert.deepEqual((await database.migrate('alpha', make('alpha_things'))).applied, ['0001_init']);
        // Same migration name, different owner: applied again, not considered done.
        assert.deepEqual((await database.migrate('beta', make('beta_things'))).applied, ['0001_init']);
        assert.deepEqual((await database.migrate('alpha', make('alpha_things'))).applied, []);
        assert.ok(await tableExists(database, 'acgs_migrations_alpha'));
        assert.ok(await tableExists(database, 'acgs_migrations_beta'));
        assert.ok(await tableExists(database, 'alpha_things'));
        assert.ok(await tableExists(database, 'beta_things'));
      }));

    test('rolls back a failing migration and reports STORAGE_MIGRATION_FAILED', () =>
      withFixture(async ({ database }) => {
        const migrations: Record<string, Migration> = {
          '0001_ok': {
            async up(db: Kysely<unknown>) {
              await db.schema.createTable('kept').addColumn('k', 'text').execute();
            },
          },
          '0002_broken': {
            async up(db: Kysely<unknown>) {
              await db.schema.createTable('half_done').addColumn('k', 'text').execute();
              await sql`select * from no_such_table`.execute(db);
            },
          },
        };
        await assert.rejects(database.migrate('broken', migrations), (error) => {
          assert.ok(storageErrors.is(error, 'STORAGE_MIGRATION_FAILED'), String(error));
          assert.equal(error.details?.['migration'], '0002_broken');
          return true;
        });
        // One call is all or nothing: the batch ran in one transaction.
        assert.equal(await tableExists(database, 'kept'), false);
        assert.equal(await tableExists(database, 'half_done'), false);
        // Fixed, the whole batch applies on the next run.
        const fixed: Record<string, Migration> = {
          ...migrations,
          '0002_broken': {
            async up(db: Kysely<unknown>) {
              await db.schema.createTable('half_done').addColumn('k', 'text').execute();
            },
          },
        };
        assert.deepEqual((await database.migrate('broken', fixed)).applied, ['0001_ok', '0002_broken']);
        assert.ok(await tableExists(database, 'kept'));
      }));

    test('reports pending migrations without applying them', () =>
      withFixture(async ({ database }) => {
        assert.deepEqual(await database.pendingMigrations('notes', noteMigrations), [
          '0001_notes',
          '0002_notes_payload',
        ]);
        assert.deepEqual(await database.pendingMigrations('notes', {}), []);
        await database.migrate('notes', { '0001_notes': noteMigrations['0001_notes']! });
        assert.deepEqual(await database.pendingMigrations('notes', noteMigrations), ['0002_notes_payload']);
        await database.migrate('notes', noteMigrations);
        assert.deepEqual(await database.pendingMigrations('notes', noteMigrations), []);
      }));

    test('processes migrating one owner at once apply each migration exactly once', () =>
      withFixture(async ({ database, url }) => {
        const outputs = await Promise.all(
          Array.from({ length: 3 }, () =>
            run(process.execPath, ['--input-type=module', '-e', racingMigration(url)], { timeout: 20_000 }),
          ),
        );
        const applied = outputs.map(({ stdout }) => JSON.parse(stdout.trim()) as string[]);
        assert.deepEqual(
          applied.flat().sort(),
          ['0001_slow', '0002_after'],
          `each process applied ${JSON.stringify(applied)}`,
        );
        assert.deepEqual(await database.pendingMigrations('race', racingMigrations), []);
      }));

    test('rejects an owner name that is not a safe table suffix', () =>
      withFixture(async ({ database }) => {
        await assert.rejects(
          () => database.migrate('Bad-Owner; drop', noteMigrations),
          (error) => storageErrors.is(error, 'STORAGE_OWNER_INVALID'),
        );
      }));

    test('rolls back a failed transaction and commits a successful one', () =>
      withFixture(async ({ database }) => {
        await database.migrate('notes', noteMigrations);
        const db = database.as<NoteTables>();
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('notes').values({ body: 'lost' }).execute();
            throw new Error('abort');
          }),
          /abort/,
        );
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('notes').values({ body: 'kept' }).execute();
        });
        const rows = await db.selectFrom('notes').select('body').execute();
        assert.deepEqual(
          rows.map((r) => r.body),
          ['kept'],
        );
      }));

    test('portable columns: auto-increment ids, bigints as numbers, bytes as Buffers', () =>
      withFixture(async ({ database }) => {
        await database.migrate('notes', noteMigrations);
        const db = database.as<NoteTables>();
        const before = Date.now();
        const payload = Buffer.from([0, 1, 2, 255]);
        await db.insertInto('notes').values({ body: 'a', payload }).execute();
        await db
          .insertInto('notes')
          .values({ body: 'b', created_ms: 2 ** 40 })
          .execute();
        const rows = await db.selectFrom('notes').selectAll().orderBy('id').execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          [1, 2],
        );
        assert.equal(typeof rows[0]!.created_ms, 'number');
        // Stamped by the database between `before` and now (a second's slack for clock rounding).
        const created = rows[0]!.created_ms;
        assert.ok(created >= before - 1000 && created <= Date.now() + 1000, `created_ms ${created}`);
        assert.equal(rows[1]!.created_ms, 2 ** 40);
        assert.ok(Buffer.from(rows[0]!.payload!).equals(payload));
        const count = await db
          .selectFrom('notes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(count.n, 2);
      }));

    test('committed data is visible after reopening', () =>
      withFixture(async ({ database, reopen }) => {
        await database.migrate('notes', noteMigrations);
        await database.as<NoteTables>().insertInto('notes').values({ body: 'durable' }).execute();
        await database.close();
        const reopened = reopen();
        const rows = await reopened.as<NoteTables>().selectFrom('notes').select('body').execute();
        assert.deepEqual(rows, [{ body: 'durable' }]);
      }));

    test('ping and migrate reject with STORAGE_UNAVAILABLE once closed', () =>
      withFixture(async ({ database }) => {
        await database.close();
        await database.close();
        await assert.rejects(database.ping(), (error) => storageErrors.is(error, 'STORAGE_UNAVAILABLE'));
        await assert.rejects(
          async () => database.migrate('notes', noteMigrations),
          (error) => storageErrors.is(error, 'STORAGE_UNAVAILABLE'),
        );
      }));
  });
}

describe('SQLite durability settings', () => {
  // synchronous=NORMAL: the WAL is fsynced after each commit by WalSync (sqlite-wal-sync.test.ts).
  test('WAL journal, synchronous=NORMAL, foreign keys on, busy timeout set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-storage-'));
    const database = createDatabase(join(dir, 'acgs.db'), { busyTimeoutMs: 1234 });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('synchronous'), 1);
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('busy_timeout'), 1234);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite statement reuse', () => {
  test('a statement runs again after a stream of it ended or was abandoned, and after a schema change', async () => {
    const database = createDatabase('sqlite::memory:');
    try {
      await sql`create table t (n integer)`.execute(database.db);
      await sql`insert into t values (1), (2), (3)`.execute(database.db);
      const db = database.as<{ t: { n: number } }>();
      const query = () => db.selectFrom('t').select('n').orderBy('n');
      const streamed: number[] = [];
      for await (const row of query().stream()) streamed.push(row.n);
      assert.deepEqual(streamed, [1, 2, 3]);
      for await (const row of query().stream()) if (row.n === 1) break; // leaves the statement mid-way
      assert.deepEqual(
        (await query().execute()).map((r) => r.n),
        [1, 2, 3],
      );
      await sql`alter table t add column m integer default 7`.execute(database.db);
      const all = sql<{ n: number; m: number }>`select * from t order by n`;
      assert.deepEqual((await all.execute(database.db)).rows[0], { n: 1, m: 7 });
    } finally {
      await database.close();
    }
  });
});

describe('PostgreSQL outage', () => {
  test('ping rejects quickly with STORAGE_UNAVAILABLE when nothing listens', async () => {
    const database = createDatabase('postgres://postgres@127.0.0.1:1/acgs', { pingTimeoutMs: 1500 });
    try {
      await assert.rejects(database.ping(), (error) => storageErrors.is(error, 'STORAGE_UNAVAILABLE'));
    } finally {
      await database.close();
    }
  });

  // A connect timeout of ten minutes against a test timeout of one: only pingTimeoutMs can end the
  // ping in time, with no upper bound on the wall clock to assert.
  test('ping gives up after pingTimeoutMs when the server accepts but never answers', {
    timeout: 60_000,
  }, async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const database = createDatabase(`postgres://postgres@127.0.0.1:${port}/acgs`, {
      pingTimeoutMs: 500,
      connectTimeoutMs: 600_000,
    });
    try {
      const started = Date.now();
      await assert.rejects(database.ping(), (error) => storageErrors.is(error, 'STORAGE_UNAVAILABLE'));
      const took = Date.now() - started;
      assert.ok(took >= 450, `took ${took} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
      await database.close();
    }
  });
});

describe('PostgreSQL connection loss, through a TCP proxy', { skip: postgres.skip }, () => {
  type Proxy = Awaited<ReturnType<typeof createTcpProxy>>;
  const unavailable = (error: unknown) =>
    storageErrors.is(error, 'STORAGE_UNAVAILABLE') && error.headers?.['retry-after'] === '1';
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function throughProxy(run: (database: Database, proxy: Proxy) => Promise<void>) {
    const temporary = await createTemporaryPostgresDatabase(postgres.url, 'outage');
    const proxy = await createTcpProxy(temporary.url);
    const database = createDatabase(proxy.url, { poolSize: 4, connectTimeoutMs: 1000 });
    try {
      await run(database, proxy);
    } finally {
      await database.close();
      await proxy.stop();
      await temporary.drop();
    }
  }

  /** Polls until a query succeeds; returns how long that took. */
  async function recovered(database: Database): Promise<number> {
    const started = Date.now();
    for (;;) {
      try {
        await sql`select 1`.execute(database.db);
        return Date.now() - started;
      } catch (error) {
        assert.ok(unavailable(error), String(error));
        if (Date.now() - started > 10_000) throw error;
        await sleep(50);
      }
    }
  }

  test('a checked-out idle connection that is reset fails its holder with STORAGE_UNAVAILABLE, not the process', () =>
    throughProxy(async (database, proxy) => {
      await database.db.connection().execute(async (connection) => {
        await sql`select 1`.execute(connection);
        // Checked out and idle: pg's pool itself listens only on idle clients in the pool.
        proxy.reset();
        await sleep(200);
        await assert.rejects(sql`select 1`.execute(connection), unavailable);
      });
      await recovered(database);
    }));

  test('a transaction whose connection is reset mid-way rejects with STORAGE_UNAVAILABLE and commits nothing', () =>
    throughProxy(async (database, proxy) => {
      await sql`create table t (n integer)`.execute(database.db);
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await sql`insert into t values (1)`.execute(trx);
          proxy.reset();
          await sleep(100);
          await sql`insert into t values (2)`.execute(trx);
        }),
        unavailable,
      );
      await recovered(database);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from t`.execute(database.db);
      assert.equal(rows[0]?.n, 0);
    }));

  test('while the server is down queries reject at once with STORAGE_UNAVAILABLE; they recover by themselves', () =>
    throughProxy(async (database, proxy) => {
      await sql`select 1`.execute(database.db);
      await proxy.stop();
      for (let i = 0; i < 5; i++) await assert.rejects(sql`select 1`.execute(database.db), unavailable);
      await assert.rejects(database.ping(), unavailable);
      await sleep(1500);
      await proxy.start();
      const ms = await recovered(database);
      // The reconnect back-off is at most 1 s; allow a wide margin on a shared machine.
      assert.ok(ms < 5000, `recovered after ${ms} ms`);
      await database.ping();
    }));

  test('a server answer (a constraint violation) is passed through unchanged', () =>
    throughProxy(async (database) => {
      await sql`create table u (n integer primary key)`.execute(database.db);
      await sql`insert into u values (1)`.execute(database.db);
      await assert.rejects(sql`insert into u values (1)`.execute(database.db), (error: unknown) => {
        assert.equal((error as { code?: string }).code, '23505');
        return true;
      });
    }));
});
