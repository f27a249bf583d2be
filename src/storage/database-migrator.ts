import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { MigrationReport } from './database.js';
import { storageErrors } from './errors.js';

const OWNER_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** Table names used for an owner's migration history and lock. */
export function migrationTables(owner: string): { readonly history: string; readonly lock: string } {
  if (!OWNER_PATTERN.test(owner)) {
    throw storageErrors.create(
      'STORAGE_OWNER_INVALID',
      `Migration owner "${owner}" must be lower-case letters, digits and underscores, starting with a letter`,
      { details: { owner } },
    );
  }
  return { history: `acgs_migrations_${owner}`, lock: `acgs_migrations_${owner}_lock` };
}

/**
 * Applies an owner's pending migrations in name order and returns the names applied. All pending
 * migrations of one call run in one transaction (SQLite and PostgreSQL both have transactional
 * DDL): if one fails, none is applied and `STORAGE_MIGRATION_FAILED` names the failing one. The history lives in `acgs_migrations_<owner>`, so owners never see each
 * other's migrations; Kysely's lock (an advisory lock on PostgreSQL, the single connection on
 * SQLite) keeps two processes from migrating the same owner at once.
 */
export async function migrateOwner(
  db: Kysely<unknown>,
  owner: string,
  migrations: Readonly<Record<string, Migration>>,
): Promise<MigrationReport> {
  // Nothing to apply: do not create an empty history table for the owner.
  if (Object.keys(migrations).length === 0) return { owner, applied: [] };
  const migrator = ownerMigrator(db, owner, migrations);
  let outcome = await migrator.migrateToLatest();
  // Two processes migrating one SQLite file: the loser of the write lock gets SQLITE_BUSY
  // (SQLite cannot wait for the lock once its read snapshot is stale). Its transaction rolled
  // back, so running again is safe, and then sees what the winner applied.
  for (let attempt = 1; attempt <= 5 && isSqliteBusy(outcome.error); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 50));
    outcome = await migrator.migrateToLatest();
  }
  const { error, results = [] } = outcome;
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    throw storageErrors.create(
      'STORAGE_MIGRATION_FAILED',
      `Migrations of "${owner}" failed${failed ? ` at "${failed}"` : ''}: ${messageOf(error)}`,
      { details: { owner, migration: failed }, cause: error },
    );
  }
  return {
    owner,
    applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName),
  };
}

/** Names of an owner's migrations that have not been applied yet, in name order. */
export async function pendingOwnerMigrations(
  db: Kysely<unknown>,
  owner: string,
  migrations: Readonly<Record<string, Migration>>,
): Promise<string[]> {
  if (Object.keys(migrations).length === 0) return [];
  const known = await ownerMigrator(db, owner, migrations).getMigrations();
  return known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

function ownerMigrator(
  db: Kysely<unknown>,
  owner: string,
  migrations: Readonly<Record<string, Migration>>,
): Migrator {
  const tables = migrationTables(owner);
  const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };
  return new Migrator({
    db,
    provider,
    migrationTableName: tables.history,
    migrationLockTableName: tables.lock,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isSqliteBusy(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
    current = current.cause;
  }
  return false;
}
