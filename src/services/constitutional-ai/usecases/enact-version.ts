/**
 * The enact interface the Executive Council calls when a constitutional amendment passes and its
 * timelock ends: publishes a stored draft or a document given in full as the next version.
 */
import type {
  ConstitutionVersion,
  EnactOptions,
  EnactSource,
} from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { constitutionErrors } from '../errors.js';
import { publishVersion } from './publish-version.js';
import { validateDocumentOrThrow } from './validate-document.js';

export async function enactVersion(
  deps: ConstitutionDeps,
  source: EnactSource,
  options: EnactOptions,
  base = '',
): Promise<ConstitutionVersion> {
  const resolved = await resolveSource(deps, source, base);
  return publishVersion(deps, {
    validated: resolved.validated,
    via: 'enact',
    publishedBy: options.enactedBy,
    proposalId: options.proposalId,
    ...(resolved.draftId === undefined ? {} : { draftId: resolved.draftId }),
  });
}

/** A draft (which must be unpublished) or a document, validated. */
export async function resolveSource(deps: ConstitutionDeps, source: EnactSource, base = '') {
  if ('draftId' in source) {
    const draft = await deps.store.draft(source.draftId);
    if (draft === undefined)
      throw constitutionErrors.create('CONSTITUTION_DRAFT_NOT_FOUND', `no draft ${source.draftId}`);
    if (draft.publishedVersion !== undefined) {
      throw constitutionErrors.create(
        'CONSTITUTION_VERSION_IMMUTABLE',
        `draft ${draft.id} was published as version ${draft.publishedVersion}; create a new draft`,
      );
    }
    return { validated: validateDocumentOrThrow(draft.document, '/draft/document'), draftId: draft.id };
  }
  return { validated: validateDocumentOrThrow(source.document, `${base}/document`) };
}
