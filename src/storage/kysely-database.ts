import { type Kysely, type Migration, sql } from 'kysely';
import { withinDeadline } from '../kernel/deadline.js';
import type { Database, MigrationReport, SqlDialect } from './database.js';
import { migrateOwner, pendingOwnerMigrations } from './database-migrator.js';
import { storageErrors } from './errors.js';

/** What both adapters share: a Kysely instance, per-owner migrations and a bounded ping. */
export abstract class KyselyDatabase implements Database {
  abstract readonly dialect: SqlDialect;
  #closed = false;

  protected constructor(
    readonly db: Kysely<unknown>,
    private readonly pingTimeoutMs: number,
  ) {}

  as<Tables>(): Kysely<Tables> {
    return this.db as unknown as Kysely<Tables>;
  }

  migrate(owner: string, migrations: Readonly<Record<string, Migration>>): Promise<MigrationReport> {
    this.assertOpen();
    return migrateOwner(this.db, owner, migrations);
  }

  pendingMigrations(owner: string, migrations: Readonly<Record<string, Migration>>): Promise<string[]> {
    this.assertOpen();
    return pendingOwnerMigrations(this.db, owner, migrations);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await withinDeadline(sql`select 1`.execute(this.db), this.pingTimeoutMs);
    } catch (cause) {
      throw storageErrors.create('STORAGE_UNAVAILABLE', `The ${this.dialect} database does not answer`, {
        cause,
        headers: { 'retry-after': '1' },
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }

  protected assertOpen(): void {
    if (this.#closed) {
      throw storageErrors.create('STORAGE_UNAVAILABLE', `The ${this.dialect} database is closed`);
    }
  }
}
