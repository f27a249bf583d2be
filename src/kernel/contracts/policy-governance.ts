import type { DecisionChange, ImpactClassification } from './verification.js';

/**
 * What other services may ask the Policy Governance Compiler: the council enacts passed
 * `activate-policies`, `activate-narrowing-policies` and `retire-policy` proposals through it.
 * Every activation passes all of the PGC's gates (signature, constitution, compilation, scenarios,
 * and the verifier's once it exists), and the PGC checks with the council that the proposal passed,
 * binds this bundle and is past its timelock. Implemented in-process by the PGC (embedded mode)
 * and over HTTP by its client (distributed mode).
 */
export interface PolicyGovernanceContract {
  /** A stored bundle's summary, or undefined when there is none with this id. */
  bundle(bundleId: string): Promise<BundleSummary | undefined>;
  /** The active bundle's summary, or undefined while none has been activated. */
  activeBundle(): Promise<BundleSummary | undefined>;
  /** Activates a bundle on behalf of a passed proposal. */
  activateForProposal(bundleId: string, enactment: ProposalEnactment): Promise<ActivationSummary>;
  /**
   * Retires a policy on behalf of a passed `retire-policy` proposal: a new bundle of the active
   * bundle's policies without it is created and activated (with every gate).
   */
  retireForProposal(policyId: string, enactment: ProposalEnactment): Promise<ActivationSummary>;
  /**
   * How activating `bundleId` would change what is allowed, relative to the active bundle, as the
   * formal verifier proves it. MUST NOT answer `narrowing` unless the verifier proved it; throws
   * PGC_VERIFIER_UNAVAILABLE (503) when the verifier cannot be reached (fail closed).
   */
  impactOf(bundleId: string): Promise<ImpactVerdict>;
  /**
   * Stores a synthesized policy set as a bundle for the active constitution — checked, signed,
   * content-addressed and not active — with where it came from. The same content bundled before
   * answers the stored bundle (`created: false`, keeping its first provenance). Throws the PGC's
   * coded errors (PGC_POLICY_INVALID with the field, PGC_NO_CONSTITUTION, …).
   */
  draftBundle(request: DraftBundleRequest): Promise<DraftBundleSummary>;
}

/** A synthesized policy set and its provenance (the synthesis service hands these over). */
export interface DraftBundleRequest {
  readonly policies: readonly unknown[];
  readonly provenance: Readonly<Record<string, unknown>>;
}

export interface DraftBundleSummary {
  readonly bundleId: string;
  readonly constitutionHash: string;
  readonly created: boolean;
}

export interface BundleSummary {
  readonly id: string;
  readonly constitutionHash: string;
  readonly policyIds: readonly string[];
}

export interface ProposalEnactment {
  readonly proposalId: string;
  readonly enactedBy: string;
}

export interface ActivationSummary {
  readonly bundleId: string;
  readonly generation: number;
}

/** How a change of the active policy set affects what is allowed. */
export type ChangeImpact = 'narrowing' | 'widening' | 'unknown';

/**
 * The classifier's answer: `impact` is what the council's rules read (an unchanged set counts as
 * narrowing: nothing widens); `classification` and `changes` are the verifier's evidence.
 */
export interface ImpactAssessment {
  readonly impact: ChangeImpact;
  readonly detail: string;
  /** The verifier's classification (`equivalent`: no request changes decision), when it answered. */
  readonly classification?: ImpactClassification['classification'];
  /** Each kind of decision change with an example request, engine-confirmed. */
  readonly changes?: readonly DecisionChange[];
}

/** The impact of moving from `fromBundleId` (null: no bundle active) to `bundleId`. */
export interface ImpactVerdict extends ImpactAssessment {
  readonly bundleId: string;
  readonly fromBundleId: string | null;
}

/**
 * Classifies moving from bundle `fromBundleId` (null: none) to `toBundleId`: `narrowing` only when
 * it is proved that no request is decided more permissively by the new set than by the old one
 * (allow < review < deny). The formal verifier's impact analysis implements this (the PGC's
 * `verifierImpact`); where no verifier is wired nothing is classified narrowing (`unprovedImpact`),
 * so every case that needs narrowing is refused.
 */
export interface ImpactClassifier {
  classify(fromBundleId: string | null, toBundleId: string): Promise<ImpactAssessment>;
}

/** The classifier in force while no verifier is wired: nothing is proved, so nothing is narrowing. */
export const unprovedImpact: ImpactClassifier = {
  async classify() {
    return { impact: 'unknown', detail: 'no formal verifier is wired to prove that the change narrows' };
  },
};
