/**
 * The council's events (docs/council.md §6). Each is committed to the council's outbox in the
 * same transaction as the change it announces, then published; the Integrity service's intake
 * logs it. Together they let `acgs council audit` recompute every tally from a log export alone:
 * the opening carries the electorate (keys and weights) and the rule, each vote its signature,
 * the closing the tally the service decided and how many votes it counted.
 */
import type { CouncilRule, ProposalKind } from '../../kernel/contracts/constitution.js';
import type { Outcome } from './tally.js';
import type { VoteChoice } from './vote-payload.js';

export const COUNCIL_EVENTS = {
  memberSeated: 'council.member.seated',
  membersChanged: 'council.members.changed',
  proposalOpened: 'council.proposal.opened',
  voteCast: 'council.vote.cast',
  proposalClosed: 'council.proposal.closed',
  proposalCancelled: 'council.proposal.cancelled',
  proposalEnacted: 'council.proposal.enacted',
  enactmentFailed: 'council.proposal.enactment-failed',
  reviewOpened: 'council.review.opened',
  reviewResolved: 'council.review.resolved',
} as const;

export interface ElectorSnapshot {
  readonly memberId: string;
  readonly weight: number;
  /** Raw 32-byte Ed25519 public key, base64. */
  readonly publicKey: string;
}

/**
 * A seated member as the log records it: the key and weight a tally needs, and who seated them.
 * The member's display name (a person's name) stays in the council's table, where it can be
 * erased, and out of the log (docs/security.md, "Personal data").
 */
export interface MemberSeatedData extends ElectorSnapshot {
  readonly seatedBy: string;
}

export interface MembersChangedData {
  readonly proposalId: string;
  readonly added: readonly ElectorSnapshot[];
  readonly removed: readonly string[];
  readonly reweighted: readonly { readonly memberId: string; readonly weight: number }[];
  /** Open proposals whose electorate lost the removed members (their votes no longer count). */
  readonly affectedProposals: readonly string[];
}

export interface ProposalOpenedData {
  readonly proposalId: string;
  readonly kind: ProposalKind;
  readonly title: string;
  readonly contentHash: string;
  readonly proposer: string;
  readonly rule: CouncilRule;
  readonly constitutionHash: string;
  readonly electorate: readonly ElectorSnapshot[];
  readonly opensAt: string;
  readonly closesAt: string;
}

export interface VoteCastData {
  readonly proposalId: string;
  readonly seq: number;
  readonly contentHash: string;
  readonly memberId: string;
  readonly choice: VoteChoice;
  readonly time: string;
  readonly signature: string;
}

export interface TallyView {
  readonly eligible: number;
  readonly yes: number;
  readonly no: number;
  readonly abstain: number;
  readonly voted: number;
  readonly quorumMet: boolean;
  readonly thresholdMet: boolean;
}

export interface ProposalClosedData {
  readonly proposalId: string;
  readonly outcome: Outcome;
  /** Closed before its window ended because the outcome was settled. */
  readonly early: boolean;
  readonly tally: TallyView;
  /** Votes 1..votesCounted (by seq) were considered. */
  readonly votesCounted: number;
  /** Members removed from the electorate before the close. */
  readonly removed: readonly string[];
  readonly closedAt: string;
  readonly enactableAt?: string;
}

export interface ProposalCancelledData {
  readonly proposalId: string;
  readonly cancelledBy: string;
}

export interface ProposalEnactedData {
  readonly proposalId: string;
  readonly kind: ProposalKind;
  readonly contentHash: string;
  readonly result: Readonly<Record<string, unknown>>;
}

export interface EnactmentFailedData {
  readonly proposalId: string;
  readonly attempt: number;
  readonly reason: string;
  /** True when no further attempt will be made. */
  readonly final: boolean;
}

/**
 * The tasks opened from one `policy.decision.review` event (the review decisions of one log
 * entry, `leafHash`): one council event for all of them, so a busy decision path costs the
 * council one outbox row, one publish and one log entry per entry, not per task.
 */
export interface ReviewOpenedData {
  readonly leafHash: string;
  readonly reviews: readonly {
    readonly decisionId: string;
    readonly queue: string;
    readonly deadline: string;
  }[];
}

export interface ReviewResolvedData {
  readonly decisionId: string;
  readonly queue: string;
  readonly outcome: 'allow' | 'deny';
  /** `reviewer`: a reviewer resolved it; `deadline`: it expired to the constitution's default. */
  readonly via: 'reviewer' | 'deadline';
  readonly resolvedBy: string;
  /** SHA-256 of the reviewer's comment (the comment itself stays in the council's table). */
  readonly commentDigest: string | null;
}
