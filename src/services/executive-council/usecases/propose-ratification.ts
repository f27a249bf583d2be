/**
 * A break-glass activation (an admin activated a bundle proved narrowing while a council sits) is
 * raised to the council as an `activate-narrowing-policies` proposal to ratify. The activation has
 * already taken effect, so passing it enacts nothing more; its record says who activated and why.
 */
import type { RatificationRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import type { Proposal } from '../store.js';
import { openUnderActiveRules } from './open-proposal.js';

export function proposeRatification(deps: CouncilDeps, request: RatificationRequest): Promise<Proposal> {
  return openUnderActiveRules(
    deps,
    {
      kind: 'activate-narrowing-policies',
      title: `Ratify break-glass activation of bundle ${request.bundleId.slice(0, 16)} by ${request.activatedBy}`,
      content: {
        bundleId: request.bundleId,
        ratifies: { activatedBy: request.activatedBy, reason: request.reason },
        // The verdict the PGC activated on, as an activation proposal carries its impact report.
        ...(request.impact === undefined ? {} : { impact: request.impact }),
      },
      contentHash: request.bundleId,
    },
    request.activatedBy,
  );
}
