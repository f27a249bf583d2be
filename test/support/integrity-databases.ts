/**
 * Test helper: migrated databases of both dialects for the
 * log's contract suites. SQLite in a temporary directory; PostgreSQL in a throw-away database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityMigrations } from '../../src/services/integrity/store.js';
import type { Database } from '../../src/storage/database.js';
import { createDatabase } from '../../src/storage/index.js';
import { externalService } from './external-services.js';
import { createTemporaryPostgresDatabase } from './postgres-database.js';

export interface TestDatabase {
  readonly database: Database;
  readonly url: string;
  readonly dir: string;
  close(): Promise<void>;
}

export interface DialectCase {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: string | false;
  open(): Promise<TestDatabase>;
}

export async function logDialects(): Promise<DialectCase[]> {
  const postgres = await externalService('postgres');
  return [
    {
      name: 'sqlite',
      skip: false,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'acgs-log-'));
        const url = `sqlite:${join(dir, 'log.db')}`;
        const database = createDatabase(url);
        await database.migrate('integrity', integrityMigrations);
        return {
          database,
          url,
          dir,
          async close() {
            await database.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'postgres',
      skip: postgres.skip,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'acgs-log-'));
        const temporary = await createTemporaryPostgresDatabase(postgres.url, 'log');
        const database = createDatabase(temporary.url);
        await database.migrate('integrity', integrityMigrations);
        return {
          database,
          url: temporary.url,
          dir,
          async close() {
            await database.close();
            await temporary.drop();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
