import type { CouncilProposalStatus } from '../../kernel/contracts/council.js';
import type { Proposal, StoredVote } from './store.js';
import { tallyOf } from './usecases/close-proposal.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A proposal as the API shows it: its state, the tally now (or at the close), and every vote. */
export function proposalView(proposal: Proposal, votes?: readonly StoredVote[]) {
  const current = votes === undefined ? null : tallyOf(proposal, votes);
  return {
    id: proposal.id,
    kind: proposal.kind,
    title: proposal.title,
    status: proposal.status,
    contentHash: proposal.contentHash,
    content: proposal.content,
    proposer: proposal.proposer,
    rule: proposal.rule,
    constitutionHash: proposal.constitutionHash,
    electorate: proposal.electorate,
    removed: proposal.removed,
    createdAt: iso(proposal.createdMs),
    closesAt: iso(proposal.closesMs),
    closedAt: iso(proposal.closedMs),
    outcome: proposal.outcome,
    early: proposal.early,
    tally: proposal.tally ?? current,
    enactableAt: iso(proposal.enactableMs),
    enactedAt: iso(proposal.enactedMs),
    enactment: {
      attempts: proposal.enactAttempts,
      lastError: proposal.lastError,
      result: proposal.result,
    },
    ...(votes === undefined
      ? {}
      : {
          votes: votes.map((v) => ({
            seq: v.seq,
            memberId: v.memberId,
            choice: v.choice,
            time: v.time,
            signature: v.signature,
          })),
        }),
  };
}

/** What an owning service checks at enactment (the contract's view). */
export function proposalStatus(proposal: Proposal): CouncilProposalStatus {
  return {
    id: proposal.id,
    kind: proposal.kind,
    status: proposal.status,
    contentHash: proposal.contentHash,
    ...(proposal.outcome === 'passed' && proposal.closedMs !== null
      ? { passedAt: iso(proposal.closedMs)! }
      : {}),
    ...(proposal.enactableMs === null ? {} : { enactableAt: iso(proposal.enactableMs)! }),
  };
}
