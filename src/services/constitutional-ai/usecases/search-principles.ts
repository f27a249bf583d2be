import type { Principle } from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { getVersion } from './get-version.js';

export interface PrincipleQuery {
  readonly version?: string;
  /** Exact category, case-insensitive. */
  readonly category?: string;
  /** Matches a keyword exactly, or appears in the title or text (case-insensitive). */
  readonly keyword?: string;
  readonly mandatory?: boolean;
}

/** The principles of a version (the active one by default) that match every given filter. */
export async function searchPrinciples(
  deps: ConstitutionDeps,
  query: PrincipleQuery,
): Promise<{ readonly version: number; readonly hash: string; readonly principles: readonly Principle[] }> {
  const version = await getVersion(deps, query.version ?? 'active');
  const category = query.category?.toLowerCase();
  const keyword = query.keyword?.toLowerCase();
  const principles = version.document.principles.filter(
    (p) =>
      (category === undefined || p.category.toLowerCase() === category) &&
      (query.mandatory === undefined || p.mandatory === query.mandatory) &&
      (keyword === undefined ||
        p.keywords.some((k) => k.toLowerCase() === keyword) ||
        p.title.toLowerCase().includes(keyword) ||
        p.text.toLowerCase().includes(keyword)),
  );
  return { version: version.number, hash: version.hash, principles };
}
