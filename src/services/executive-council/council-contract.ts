import type {
  ActivationProposalRequest,
  CouncilContract,
  CouncilProposalStatus,
  RatificationRequest,
  VariantAdoptionRequest,
} from '../../kernel/contracts/council.js';
import type { CouncilDeps } from './council-deps.js';
import { proposalStatus } from './proposal-view.js';
import { proposeActivation } from './usecases/propose-activation.js';
import { proposeRatification } from './usecases/propose-ratification.js';
import { proposeVariantAdoption } from './usecases/propose-variant-adoption.js';

/** The in-process implementation of the council contract (embedded mode, and the council's own process). */
export class InProcessCouncil implements CouncilContract {
  constructor(private readonly deps: CouncilDeps) {}

  async proposal(proposalId: string): Promise<CouncilProposalStatus | undefined> {
    const proposal = await this.deps.store.proposal(proposalId);
    return proposal === undefined ? undefined : proposalStatus(proposal);
  }

  async seated(): Promise<boolean> {
    return (await this.deps.store.members()).length > 0;
  }

  async proposeRatification(request: RatificationRequest): Promise<{ readonly proposalId: string }> {
    const proposal = await proposeRatification(this.deps, request);
    return { proposalId: proposal.id };
  }

  async proposeVariantAdoption(request: VariantAdoptionRequest): Promise<{ readonly proposalId: string }> {
    const proposal = await proposeVariantAdoption(this.deps, request, 'svc-dgm');
    return { proposalId: proposal.id };
  }

  /** In-process only the synthesis service asks this (the route admits only it, too). */
  async proposeActivation(request: ActivationProposalRequest): Promise<{ readonly proposalId: string }> {
    const proposal = await proposeActivation(this.deps, request, 'svc-gs');
    return { proposalId: proposal.id };
  }
}
