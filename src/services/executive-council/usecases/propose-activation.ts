/**
 * An `activate-policies` proposal raised by a service for the person who asked it: the synthesis
 * service, when a job was asked to propose the bundle it handed to the PGC. The proposal is opened
 * like any other (the bundle must exist, a council must sit); its proposer names both the person
 * and the service (`paula via svc-gs`), so the log shows who spoke for whom.
 */
import type { ActivationProposalRequest } from '../../../kernel/contracts/council.js';
import type { CouncilDeps } from '../council-deps.js';
import type { Proposal } from '../store.js';
import { openProposal } from './open-proposal.js';

export function proposeActivation(
  deps: CouncilDeps,
  request: ActivationProposalRequest,
  via: string,
): Promise<Proposal> {
  return openProposal(
    deps,
    { kind: 'activate-policies', title: request.title, content: { bundleId: request.bundleId } },
    `${request.requestedBy} via ${via}`,
  );
}
