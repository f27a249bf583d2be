/**
 * The Darwin Gödel Machine proposes a variant it found and the verifier proved admissible: an
 * `adopt-variant` proposal bound to the variant's bundle id, under the constitution's rule for
 * that kind. Passing it adopts the variant (recorded at enactment); nothing is activated by it.
 */
import type { VariantAdoptionRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import { councilErrors } from '../errors.js';
import type { Proposal } from '../store.js';
import { openBound, variantContent } from './open-proposal.js';

export async function proposeVariantAdoption(
  deps: CouncilDeps,
  request: VariantAdoptionRequest,
  proposer: string,
): Promise<Proposal> {
  const version = await deps.constitution.activeVersion();
  if (version === undefined)
    throw councilErrors.create(
      'COUNCIL_KIND_UNAVAILABLE',
      'no constitution is published, so no council rules exist',
    );
  return openBound(
    deps,
    {
      kind: 'adopt-variant',
      title: `Adopt evolved variant ${request.variantId} of run ${request.runId}: ${request.summary}`.slice(
        0,
        200,
      ),
      content: variantContent(request),
      contentHash: request.bundleId,
    },
    proposer,
    version.hash,
    version.document.councilRules['adopt-variant'],
  );
}
