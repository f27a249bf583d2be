/**
 * An `activate-policies` proposal raised by a service for the person who asked it: the synthesis
 * service, when a job was asked to propose the bundle it handed to the PGC. The proposal is opened
 * like any other (the bundle must exist, a council must sit); its proposer names both the person
 * and the service (`paula via svc-gs`), so the log shows who spoke for whom. Asking again while that
 * proposal is open answers it.
 */
import type { ActivationProposalRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import type { Proposal } from '../store.js';
import { openProposal } from './open-proposal.js';

export async function proposeActivation(
  deps: CouncilDeps,
  request: ActivationProposalRequest,
  via: string,
): Promise<Proposal> {
  const proposer = `${request.requestedBy} via ${via}`;
  // A repeat (the service's job resumed after a crash, a retried request) answers the proposal it
  // opened, still open, instead of a second one on the same bundle.
  const repeat = (await deps.store.openProposals()).find(
    (open) =>
      open.kind === 'activate-policies' &&
      open.contentHash === request.bundleId &&
      open.proposer === proposer,
  );
  if (repeat !== undefined) return repeat;
  return openProposal(
    deps,
    { kind: 'activate-policies', title: request.title, content: { bundleId: request.bundleId } },
    proposer,
  );
}
