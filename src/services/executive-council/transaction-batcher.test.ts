/**
 * The council's group commit, on SQLite and PostgreSQL: units submitted together share one
 * transaction, each answer arrives only after the commit, and a failing unit rolls back its own
 * writes alone (its savepoint) while the others commit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely, Transaction } from 'kysely';
import { externalService } from '../../../test/support/external-services.js';
import { createTemporaryPostgresDatabase } from '../../../test/support/postgres-database.js';
import type { Database } from '../../storage/database.js';
import { createDatabase } from '../../storage/index.js';
import { TransactionBatcher } from './transaction-batcher.js';

interface Tables {
  batch_rows: { n: number };
}

const postgres = await externalService('postgres');

const DIALECTS = [
  {
    name: 'sqlite',
    skip: false as string | false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'acgs-batcher-'));
      const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
      return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: postgres.skip,
    async open() {
      const temporary = await createTemporaryPostgresDatabase(postgres.url, 'batcher');
      return { database: createDatabase(temporary.url), cleanup: () => temporary.drop() };
    },
  },
];

for (const dialect of DIALECTS) {
  describe(`TransactionBatcher (${dialect.name})`, { skip: dialect.skip }, () => {
    let database: Database;
    let db: Kysely<Tables>;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ database, cleanup } = await dialect.open());
      db = database.as<Tables>();
      await db.schema
        .createTable('batch_rows')
        .addColumn('n', 'integer', (c) => c.primaryKey())
        .execute();
    });

    after(async () => {
      await database.close();
      await cleanup();
    });

    it('runs units submitted together in one transaction; a failing unit rolls back alone', async () => {
      const batcher = new TransactionBatcher(db);
      const seen: Transaction<Tables>[] = [];
      const committed: boolean[] = [];
      const unit = (n: number, fail = false) =>
        batcher
          .run(async (tx) => {
            seen.push(tx);
            await tx.insertInto('batch_rows').values({ n }).execute();
            if (fail) throw new Error(`unit ${n} refused after writing`);
            // Every earlier unit of the batch is visible inside it, none outside before the commit.
            return Number(
              (
                await tx
                  .selectFrom('batch_rows')
                  .select((eb) => eb.fn.countAll().as('c'))
                  .executeTakeFirstOrThrow()
              ).c,
            );
          })
          .finally(() => committed.push(true));
      const results = await Promise.allSettled([unit(1), unit(2), unit(3, true), unit(4), unit(5)]);
      assert.equal(new Set(seen).size, 1, 'one transaction for the five');
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
        [1, 2, 'unit 3 refused after writing', 3, 4],
      );
      const rows = await db.selectFrom('batch_rows').select('n').orderBy('n').execute();
      assert.deepEqual(
        rows.map((r) => r.n),
        [1, 2, 4, 5],
        'the failed unit wrote nothing',
      );
      assert.equal(committed.length, 5);
    });

    it('a unit submitted while a batch runs goes into the next transaction', async () => {
      const batcher = new TransactionBatcher(db);
      const seen: Transaction<Tables>[] = [];
      let later: Promise<void> | undefined;
      await batcher.run(async (tx) => {
        seen.push(tx);
        later = batcher.run(async (next) => {
          seen.push(next);
        });
      });
      await later;
      assert.equal(seen.length, 2);
      assert.notEqual(seen[0], seen[1]);
    });
  });
}
