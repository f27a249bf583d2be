import type { Database } from '../storage/database.js';
import { openSecret, sealSecret, secretNeedsResealing } from './secret-envelope.js';

/** A column of a service's table that holds sealed secrets, and the column that names its row. */
export interface SealedColumn {
  readonly table: string;
  readonly key: string;
  readonly column: string;
  /** Only these rows (by `key`) hold secrets; every row when absent. */
  readonly rows?: readonly string[];
}

/**
 * Seals again, with the current key-encryption key, every secret of `columns` that is plain
 * (stored before encryption) or sealed with an older KEK (before a rotation), so that the old KEK
 * can be dropped and no secret stays readable without one (docs/security.md, "Keys"). A service
 * runs it at start-up over its own tables. Replicas may run it at once: a row is rewritten only if
 * it still holds the value read. Returns how many values it rewrote.
 */
export async function resealStoredSecrets(
  database: Database,
  columns: readonly SealedColumn[],
): Promise<number> {
  const db = database.as<Record<string, Record<string, string | null>>>();
  let resealed = 0;
  for (const { table, key, column, rows } of columns) {
    let query = db.selectFrom(table).select([key, column]).where(column, 'is not', null);
    if (rows !== undefined) query = query.where(key, 'in', [...rows]);
    for (const row of await query.execute()) {
      const stored = row[column];
      const id = row[key];
      if (typeof stored !== 'string' || typeof id !== 'string' || !secretNeedsResealing(stored)) continue;
      const result = await db
        .updateTable(table)
        .set({ [column]: sealSecret(openSecret(stored)) })
        .where(key, '=', id)
        .where(column, '=', stored)
        .executeTakeFirst();
      resealed += Number(result.numUpdatedRows);
    }
  }
  return resealed;
}
