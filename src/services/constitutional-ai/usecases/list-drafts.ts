import type { ConstitutionDeps } from '../constitution-deps.js';
import type { StoredDraft } from '../store.js';

/** Drafts, most recently edited first. */
export async function listDrafts(
  deps: ConstitutionDeps,
  limit: number,
): Promise<{ readonly drafts: readonly StoredDraft[] }> {
  return { drafts: await deps.store.listDrafts(limit) };
}
