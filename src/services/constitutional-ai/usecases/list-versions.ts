import type { ConstitutionDeps } from '../constitution-deps.js';
import type { VersionSummary } from '../store.js';

/** Published versions, newest first, `limit` at a time, numbered below `before`. */
export async function listVersions(
  deps: ConstitutionDeps,
  limit: number,
  before?: number,
): Promise<{ readonly versions: readonly VersionSummary[] }> {
  return { versions: await deps.store.listVersions(limit, before) };
}
