/**
 * The enact interface the Executive Council calls when a constitutional amendment passes and its
 * timelock ends: publishes a stored draft or a document given in full as the next version.
 */

import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type {
  ConstitutionVersion,
  EnactOptions,
  EnactSource,
  ResolvedConstitution,
} from '../../../kernel/contracts/constitution.js';
import { enactmentRefusal } from '../../../kernel/contracts/council.js';
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
  await checkAuthorised(deps, options.proposalId, constitutionalHashOf(resolved.validated.document).hash);
  return publishVersion(deps, {
    validated: resolved.validated,
    via: 'enact',
    publishedBy: options.enactedBy,
    proposalId: options.proposalId,
    ...(resolved.draftId === undefined ? {} : { draftId: resolved.draftId }),
  });
}

/**
 * The council's authority, asked at each enactment: the proposal exists, is an amend-constitution
 * proposal that passed, binds exactly this content's hash and is past its timelock.
 */
async function checkAuthorised(deps: ConstitutionDeps, proposalId: string, hash: string): Promise<void> {
  const council = deps.council?.();
  const refusal =
    council === undefined
      ? 'no council is wired to authorise enactments'
      : enactmentRefusal(await council.proposal(proposalId), {
          kinds: ['amend-constitution'],
          contentHash: hash,
          nowMs: deps.clock.now(),
        });
  if (refusal !== undefined) {
    throw constitutionErrors.create('CONSTITUTION_ENACTMENT_UNAUTHORIZED', refusal, {
      details: { proposalId, hash },
    });
  }
}

/**
 * What enacting this source would publish: the normalized document, its hash, and the version that
 * already has this hash if there is one (the constitution service does not publish a text twice,
 * so an amendment to it could never be enacted).
 */
export async function resolveConstitution(
  deps: ConstitutionDeps,
  source: EnactSource,
  base = '',
): Promise<ResolvedConstitution> {
  const { validated } = await resolveSource(deps, source, base);
  const hash = constitutionalHashOf(validated.document).hash;
  const published = await deps.store.versionByHash(hash);
  return {
    hash,
    document: validated.document,
    ...(published === undefined ? {} : { publishedAs: published.number }),
  };
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
