/** Finds a published version by reference: `active`, its number, its full hash or its short hash. */
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { constitutionErrors } from '../errors.js';

/** A version reference as the API accepts it. */
export const VERSION_REF_PATTERN = '^(active|[1-9][0-9]{0,14}|[0-9a-fA-F]{16}|[0-9a-fA-F]{64})$';

export async function getVersion(deps: ConstitutionDeps, ref: string): Promise<ConstitutionVersion> {
  const found = await findVersion(deps, ref);
  if (found !== undefined) return found;
  if (ref === 'active') {
    throw constitutionErrors.create('CONSTITUTION_NOT_PUBLISHED', 'no constitution version is published yet');
  }
  throw constitutionErrors.create('CONSTITUTION_VERSION_NOT_FOUND', `no constitution version ${ref}`);
}

export async function findVersion(
  deps: ConstitutionDeps,
  ref: string,
): Promise<ConstitutionVersion | undefined> {
  if (ref === 'active') return deps.store.latestVersion();
  if (/^[0-9]{1,15}$/.test(ref)) return deps.store.versionByNumber(Number(ref));
  const hex = ref.toLowerCase();
  if (hex.length === 64) return deps.store.versionByHash(hex);
  const candidates = await deps.store.versionsByHashPrefix(hex);
  return candidates.length === 1 ? candidates[0] : undefined;
}
