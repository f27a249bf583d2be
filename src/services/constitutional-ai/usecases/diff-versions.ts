import type { ConstitutionDeps } from '../constitution-deps.js';
import { type ConstitutionDiff, diffConstitutions } from '../constitution-diff.js';
import { getVersion } from './get-version.js';

export interface VersionDiff extends ConstitutionDiff {
  readonly from: { readonly number: number; readonly hash: string };
  readonly to: { readonly number: number; readonly hash: string };
}

/** Principle-level diff between two published versions (`to` defaults to the active one). */
export async function diffVersions(
  deps: ConstitutionDeps,
  from: string,
  to = 'active',
): Promise<VersionDiff> {
  const a = await getVersion(deps, from);
  const b = await getVersion(deps, to);
  return {
    from: { number: a.number, hash: a.hash },
    to: { number: b.number, hash: b.hash },
    ...diffConstitutions(a.document, b.document),
  };
}
