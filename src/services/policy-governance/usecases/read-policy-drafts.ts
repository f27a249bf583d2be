import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { StoredDraft } from '../store.js';

/** Policy drafts in id order, `limit` at a time, after the id `after`. */
export async function listPolicyDrafts(
  deps: PgcDeps,
  limit: number,
  after?: string,
): Promise<{ readonly policies: readonly StoredDraft[] }> {
  return { policies: await deps.store.drafts(limit, after) };
}

/** One policy draft, or PGC_DRAFT_NOT_FOUND. */
export async function readPolicyDraft(deps: PgcDeps, id: string): Promise<StoredDraft> {
  const draft = await deps.store.draft(id);
  if (draft === undefined) throw pgcErrors.create('PGC_DRAFT_NOT_FOUND', `no draft of policy ${id}`);
  return draft;
}

/** Deletes a policy draft, or PGC_DRAFT_NOT_FOUND. */
export async function deletePolicyDraft(deps: PgcDeps, id: string): Promise<void> {
  if (!(await deps.store.deleteDraft(id)))
    throw pgcErrors.create('PGC_DRAFT_NOT_FOUND', `no draft of policy ${id}`);
}
