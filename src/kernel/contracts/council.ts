import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import type { ProposalKind } from './constitution.js';
import type { ImpactVerdict } from './policy-governance.js';

/**
 * What other services may ask the Executive Council. The Constitutional AI service and the PGC
 * ask it, at enactment, whether a passed proposal authorises exactly the content they are asked to
 * publish or activate; the PGC asks whether a council is seated (then an admin's direct activation
 * is refused unless it is a break-glass narrowing) and raises the ratification proposal of a
 * break-glass activation. Implemented in-process by the council service (embedded mode) and over
 * HTTP by its client (distributed mode).
 */
export interface CouncilContract {
  /** The proposal as the council recorded it, or undefined when there is none with this id. */
  proposal(proposalId: string): Promise<CouncilProposalStatus | undefined>;
  /** Whether at least one member is seated. */
  seated(): Promise<boolean>;
  /**
   * Raises an `activate-narrowing-policies` proposal to ratify an admin's break-glass activation
   * that already took effect (the proposal records who did it and why). Returns its id.
   */
  proposeRatification(request: RatificationRequest): Promise<{ readonly proposalId: string }>;
  /**
   * Raises an `adopt-variant` proposal for a Darwin Gödel Machine variant the verifier proved
   * admissible, bound to the variant's bundle id. Enacting it records the adoption; activating the
   * set is a separate `activate-policies` proposal through the PGC's gates. Returns its id.
   */
  proposeVariantAdoption(request: VariantAdoptionRequest): Promise<{ readonly proposalId: string }>;
  /**
   * Opens an `activate-policies` proposal for a bundle on behalf of the person who asked the
   * synthesis service for it; the proposer recorded names both (`<pseudonym> via svc-gs`). Throws the
   * council's coded errors (COUNCIL_NOT_SEATED, COUNCIL_PROPOSAL_INVALID for an unknown bundle, …).
   */
  proposeActivation(request: ActivationProposalRequest): Promise<{ readonly proposalId: string }>;
}

export interface VariantAdoptionRequest {
  /** The bundle id of the variant's policy set for the active constitution (64 hex digits). */
  readonly bundleId: string;
  readonly runId: string;
  readonly variantId: string;
  /** What the run found, for the council (scores, lineage); shown with the proposal. */
  readonly summary: string;
}

export interface ActivationProposalRequest {
  readonly bundleId: string;
  readonly title: string;
  /** Who asked for the proposal (the synthesis job's creator). */
  readonly requestedBy: string;
}

/** Proposal states (docs/council.md §2). `queued`: passed, waiting for its timelock or being enacted. */
export type ProposalStatus = 'open' | 'queued' | 'enacted' | 'failed' | 'rejected' | 'expired' | 'cancelled';

/** What an owning service checks before enacting on a proposal's behalf. */
export interface CouncilProposalStatus {
  readonly id: string;
  readonly kind: ProposalKind;
  readonly status: ProposalStatus;
  /** The hash of the content the proposal binds (a constitution hash, a bundle id, …). */
  readonly contentHash: string;
  /** When it passed (absent unless it did). */
  readonly passedAt?: string;
  /** The end of its timelock (absent unless it passed). */
  readonly enactableAt?: string;
}

export interface RatificationRequest {
  readonly bundleId: string;
  /** The admin who activated it. */
  readonly activatedBy: string;
  readonly reason: string;
  /** The verifier's verdict that let it through (narrowing over the bundle it replaced). */
  readonly impact?: Omit<ImpactVerdict, 'bundleId'>;
}

/**
 * Why `proposal` does not authorise enacting `contentHash` as `kind` at `nowMs`, or undefined when
 * it does: it must exist, be of one of the kinds, have passed (queued, or failed and retried — an
 * enactment already done is refused), bind exactly this content, and be past its timelock.
 */
export function enactmentRefusal(
  proposal: CouncilProposalStatus | undefined,
  expected: { readonly kinds: readonly ProposalKind[]; readonly contentHash: string; readonly nowMs: number },
): string | undefined {
  if (proposal === undefined) return 'no such council proposal';
  if (!expected.kinds.includes(proposal.kind))
    return `proposal ${proposal.id} is a ${proposal.kind} proposal, not ${expected.kinds.join(' or ')}`;
  if (proposal.status !== 'queued')
    return `proposal ${proposal.id} is ${proposal.status}, not passed and awaiting enactment`;
  if (proposal.contentHash !== expected.contentHash)
    return `proposal ${proposal.id} binds content ${proposal.contentHash.slice(0, 16)}, not ${expected.contentHash.slice(0, 16)}`;
  const enactable = proposal.enactableAt === undefined ? Number.NaN : Date.parse(proposal.enactableAt);
  if (!(enactable <= expected.nowMs))
    return `proposal ${proposal.id} is in its timelock until ${proposal.enactableAt ?? '?'}`;
  return undefined;
}

/**
 * The content hash of a proposal whose content is not already a hash (a policy to retire, a
 * membership change): SHA-256 of the canonical JSON of `{ kind, content }`. An amendment binds the
 * constitution's own hash, an activation the bundle id.
 */
export function contentDigest(kind: ProposalKind, content: unknown): string {
  return createHash('sha256').update(canonicalJson({ kind, content })).digest('hex');
}
