/**
 * The Darwin Gödel Machine proposes a variant it found and the verifier proved admissible: an
 * `adopt-variant` proposal bound to the variant's bundle id, under the constitution's rule for
 * that kind. Passing it adopts the variant (recorded at enactment); nothing is activated by it.
 */
import type { VariantAdoptionRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import type { Proposal } from '../store.js';
import { openUnderActiveRules, variantContent } from './open-proposal.js';

export function proposeVariantAdoption(
  deps: CouncilDeps,
  request: VariantAdoptionRequest,
  proposer: string,
): Promise<Proposal> {
  return openUnderActiveRules(
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
  );
}
