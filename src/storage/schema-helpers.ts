import {
  type ColumnDataType,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  PostgresAdapter,
  sql,
} from 'kysely';
import type { SqlDialect } from './database.js';

/**
 * Dialect-portable pieces for migrations. Each service writes its migrations once with Kysely's
 * schema builder and runs them on SQLite and PostgreSQL; where the two differ, use these.
 *
 * Conventions that keep query code the same on both dialects:
 * - integers that may pass 2^31 (sequence numbers, epoch milliseconds): `bigint` — read back as
 *   JS numbers on both (the PostgreSQL adapter parses int8);
 * - times: epoch milliseconds in a `bigint` column, or RFC 3339 text;
 * - JSON: `text` holding `JSON.stringify` output (PostgreSQL would parse json columns to objects,
 *   SQLite would not);
 * - booleans: `integer` 0/1 (SQLite has no boolean type);
 * - bytes: `columnTypes(dialect).blob` (Buffer on both).
 * @example
 * export const migrations = {
 *   '0001_users': {
 *     async up(db) {
 *       await db.schema.createTable('auth_users')
 *         .$call(autoIncrementId(dialectOf(db)))
 *         .addColumn('name', 'text', (c) => c.notNull().unique())
 *         .addColumn('created_ms', 'bigint', (c) => c.notNull())
 *         .execute();
 *     },
 *   },
 * } satisfies Record<string, Migration>;
 */
export function dialectOf(db: Kysely<unknown>): SqlDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Column types whose spelling differs by dialect. */
export function columnTypes(dialect: SqlDialect): {
  readonly blob: ColumnDataType;
  readonly double: ColumnDataType;
} {
  return dialect === 'postgres'
    ? { blob: 'bytea', double: 'double precision' }
    : { blob: 'blob', double: 'real' };
}

/**
 * Adds an auto-incrementing integer primary key (`bigserial` on PostgreSQL, `integer primary key
 * autoincrement` on SQLite, which never reuses a deleted row's id). Use with `.$call(...)`.
 */
export function autoIncrementId(dialect: SqlDialect, column = 'id') {
  return <Name extends string, Columns extends string>(
    builder: CreateTableBuilder<Name, Columns>,
  ): CreateTableBuilder<Name, Columns> =>
    dialect === 'postgres'
      ? builder.addColumn(column, 'bigserial', (c: ColumnDefinitionBuilder) => c.primaryKey())
      : builder.addColumn(column, 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}

/** Epoch milliseconds as the database computes them, for defaults and comparisons. */
export function nowMs(dialect: SqlDialect): Expression<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`(cast((julianday('now') - 2440587.5) * 86400000 as integer))`;
}
