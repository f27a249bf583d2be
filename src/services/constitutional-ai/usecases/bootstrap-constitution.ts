/**
 * The admin bootstrap: publishes the first version while no council exists. Refused (409) once
 * any version is published; from then on versions are enacted by the council.
 */
import type { ConstitutionVersion, EnactSource } from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { resolveSource } from './enact-version.js';
import { publishVersion } from './publish-version.js';
import { readDocument } from './read-document.js';

export async function bootstrapConstitution(
  deps: ConstitutionDeps,
  source: EnactSource | { readonly yaml: string },
  publishedBy: string,
): Promise<ConstitutionVersion> {
  const resolved =
    'yaml' in source
      ? { validated: readDocument(source), draftId: undefined }
      : await resolveSource(deps, source, '/body');
  return publishVersion(deps, {
    validated: resolved.validated,
    via: 'bootstrap',
    publishedBy,
    ...(resolved.draftId === undefined ? {} : { draftId: resolved.draftId }),
  });
}
