import type {
  ActivationSummary,
  BundleSummary,
  DraftBundleRequest,
  DraftBundleSummary,
  ImpactVerdict,
  PolicyGovernanceContract,
  ProposalEnactment,
} from '../../kernel/contracts/policy-governance.js';
import type { PgcDeps } from './pgc-deps.js';
import { activateForProposal, impactOf, retireForProposal } from './usecases/council-activation.js';
import { draftSynthesizedBundle } from './usecases/draft-synthesized-bundle.js';

/** The in-process implementation of the PGC contract (embedded mode, and the PGC's own process). */
export class InProcessPolicyGovernance implements PolicyGovernanceContract {
  constructor(private readonly deps: PgcDeps) {}

  async bundle(bundleId: string): Promise<BundleSummary | undefined> {
    const stored = await this.deps.store.bundle(bundleId);
    if (stored === undefined) return undefined;
    return {
      id: stored.id,
      constitutionHash: stored.constitutionHash,
      policyIds: stored.policies.map((p) => String((p as { id?: unknown }).id)),
    };
  }

  async activeBundle(): Promise<BundleSummary | undefined> {
    const pointer = await this.deps.store.active();
    return pointer === undefined ? undefined : this.bundle(pointer.bundleId);
  }

  activateForProposal(bundleId: string, enactment: ProposalEnactment): Promise<ActivationSummary> {
    return activateForProposal(this.deps, bundleId, enactment);
  }

  retireForProposal(policyId: string, enactment: ProposalEnactment): Promise<ActivationSummary> {
    return retireForProposal(this.deps, policyId, enactment);
  }

  impactOf(bundleId: string): Promise<ImpactVerdict> {
    return impactOf(this.deps, bundleId);
  }

  draftBundle(request: DraftBundleRequest): Promise<DraftBundleSummary> {
    return draftSynthesizedBundle(this.deps, request, 'svc-gs');
  }
}
