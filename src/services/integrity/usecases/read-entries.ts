import { toHex } from '../../../merkle/index.js';
import { integrityErrors } from '../errors.js';
import type { LogDeps } from '../log-deps.js';

export interface EntryView {
  readonly index: number;
  /** The canonical entry text: the leaf bytes, exactly as hashed. */
  readonly entry: string;
  readonly leafHash: string;
}

/** Most entries one read returns. */
export const MAX_ENTRIES_PER_READ = 1000;

/** Entries with `start ≤ index < end` (at most MAX_ENTRIES_PER_READ; fewer past the log's end). */
export async function readEntries(deps: LogDeps, start: number, end: number): Promise<EntryView[]> {
  const stop = Math.min(end, start + MAX_ENTRIES_PER_READ);
  if (stop <= start) return [];
  const rows = await deps.store.entries(start, stop);
  for (const row of rows) deps.selfCheck.checkEntry(row);
  return rows.map((row) => ({ index: row.index, entry: row.entry, leafHash: toHex(row.leafHash) }));
}

/**
 * One entry, or LOG_ENTRY_NOT_FOUND. An entry whose text does not hash to its stored leaf hash is
 * never served: LOG_INTEGRITY_FAILED (500), and the service turns not ready.
 */
export async function readEntry(deps: LogDeps, index: number): Promise<EntryView> {
  const row = await deps.store.entry(index);
  if (!row) throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `the log has no entry ${index}`);
  deps.selfCheck.checkEntry(row);
  return { index: row.index, entry: row.entry, leafHash: toHex(row.leafHash) };
}
