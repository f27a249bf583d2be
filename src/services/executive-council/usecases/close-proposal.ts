/**
 * Closing a proposal: at the end of its window (the scheduler), or early when a vote settles the
 * outcome (inside that vote's transaction). Passed proposals are queued until their timelock ends.
 * Closing is a conditional update from `open` (and, for an early close, from the vote count the
 * tally was taken at), so two replicas never both close one proposal.
 */
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import { COUNCIL_EVENTS, type ProposalCancelledData, type ProposalClosedData } from '../council-events.js';
import { councilErrors } from '../errors.js';
import type { Proposal, StoredVote, Tx } from '../store.js';
import { type Outcome, type Tally, tally } from '../tally.js';

const HOUR_MS = 3_600_000;

/** The tally of a proposal's stored votes under its snapshot. */
export function tallyOf(proposal: Proposal, votes: readonly StoredVote[]): Tally {
  return tally(
    proposal.rule,
    new Map(proposal.electorate.map((e) => [e.memberId, e.weight])),
    votes,
    new Set(proposal.removed),
  );
}

/** Closes `proposal` with `outcome` inside `tx`; false when it was no longer open at that vote count. */
export async function closeInTx(
  deps: CouncilDeps,
  tx: Tx,
  proposal: Proposal,
  result: Tally,
  outcome: Outcome,
  nowMs: number,
  early: boolean,
): Promise<boolean> {
  const enactableMs = outcome === 'passed' ? nowMs + proposal.rule.timelockHours * HOUR_MS : null;
  const { quorumMet, thresholdMet, eligible, yes, no, abstain, voted } = result;
  const tallyView = { eligible, yes, no, abstain, voted, quorumMet, thresholdMet };
  const won = await deps.store.transition(
    tx,
    proposal.id,
    { status: 'open', voteSeq: proposal.voteSeq },
    {
      status: outcome === 'passed' ? 'queued' : outcome,
      closed_ms: nowMs,
      outcome,
      tally: JSON.stringify(tallyView),
      early: early ? 1 : 0,
      enactable_ms: enactableMs,
    },
  );
  if (!won) return false;
  const data: ProposalClosedData = {
    proposalId: proposal.id,
    outcome,
    early,
    tally: tallyView,
    votesCounted: proposal.voteSeq,
    removed: proposal.removed,
    closedAt: new Date(nowMs).toISOString(),
    ...(enactableMs === null ? {} : { enactableAt: new Date(enactableMs).toISOString() }),
  };
  await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.proposalClosed, data, nowMs), nowMs);
  return true;
}

/** Closes one proposal whose window has ended; false when another replica (or a vote) closed it first. */
export async function closeAtWindowEnd(deps: CouncilDeps, proposalId: string): Promise<boolean> {
  const nowMs = deps.clock.now();
  const closed = await deps.store.transaction(async (tx) => {
    const proposal = await deps.store.proposal(proposalId, tx);
    if (proposal === undefined || proposal.status !== 'open' || proposal.closesMs > nowMs) return false;
    const result = tallyOf(proposal, await deps.store.votes(proposalId, tx));
    const outcome: Outcome = !result.quorumMet ? 'expired' : result.thresholdMet ? 'passed' : 'rejected';
    return closeInTx(deps, tx, proposal, result, outcome, nowMs, false);
  });
  if (closed) {
    void deps.relay.flush();
    deps.logger.info({ proposalId }, 'council proposal closed at the end of its window');
  }
  return closed;
}

/** Cancels an open proposal; only its proposer may. */
export async function cancelProposal(deps: CouncilDeps, proposalId: string, by: string): Promise<Proposal> {
  const nowMs = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const proposal = await deps.store.proposal(proposalId, tx);
    if (proposal === undefined)
      throw councilErrors.create('COUNCIL_PROPOSAL_NOT_FOUND', `no proposal ${proposalId}`);
    if (proposal.proposer !== by)
      throw councilErrors.create('COUNCIL_NOT_PROPOSER', `proposal ${proposalId} was made by another caller`);
    const won =
      proposal.status === 'open' &&
      proposal.closesMs > nowMs &&
      (await deps.store.transition(
        tx,
        proposalId,
        { status: 'open' },
        { status: 'cancelled', closed_ms: nowMs },
      ));
    if (!won)
      throw councilErrors.create(
        'COUNCIL_PROPOSAL_CLOSED',
        `proposal ${proposalId} is ${proposal.status}; only an open one can be cancelled`,
      );
    const data: ProposalCancelledData = { proposalId, cancelledBy: by };
    await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.proposalCancelled, data, nowMs), nowMs);
  });
  void deps.relay.flush();
  return (await deps.store.proposal(proposalId))!;
}
