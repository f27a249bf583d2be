/**
 * The council's rules as pure functions (docs/council.md §3): who may vote and with what weight,
 * which vote counts, quorum, threshold, early close. The service decides with these; the offline
 * audit recomputes with the very same functions from the log alone.
 *
 * Weights are integers, and the comparisons are done in integers (quorum in millionths,
 * thresholds in thousandths), so "exactly at the threshold" means the same thing everywhere.
 */
import { THRESHOLDS, type ThresholdName } from '../../kernel/contracts/constitution.js';
import type { VoteChoice } from './vote-payload.js';

/** The part of a constitution's council rule that the tally reads. */
export interface TallyRule {
  readonly quorum: number;
  readonly threshold: ThresholdName;
}

/** A recorded vote, as the tally reads it. */
export interface TalliedVote {
  readonly memberId: string;
  readonly choice: VoteChoice;
  /** The signed time (epoch ms): a member's vote with the latest time counts. */
  readonly timeMs: number;
  /** Order of arrival within the proposal; breaks ties of equal time (the service never accepts one). */
  readonly seq: number;
}

export interface Tally {
  /** Weight of the electorate still seated: the snapshot taken at opening minus removed members. */
  readonly eligible: number;
  readonly yes: number;
  readonly no: number;
  readonly abstain: number;
  /** yes + no + abstain. */
  readonly voted: number;
  readonly quorumMet: boolean;
  readonly thresholdMet: boolean;
}

export type Outcome = 'passed' | 'rejected' | 'expired';

/** Each member's counting vote: the latest by signed time (then by arrival), of members still eligible. */
export function countingVotes(
  votes: readonly TalliedVote[],
  electorate: ReadonlyMap<string, number>,
  removed: ReadonlySet<string> = new Set(),
): Map<string, TalliedVote> {
  const last = new Map<string, TalliedVote>();
  for (const vote of votes) {
    if (!electorate.has(vote.memberId) || removed.has(vote.memberId)) continue;
    const before = last.get(vote.memberId);
    if (
      before === undefined ||
      vote.timeMs > before.timeMs ||
      (vote.timeMs === before.timeMs && vote.seq > before.seq)
    )
      last.set(vote.memberId, vote);
  }
  return last;
}

/** Quorum: voted / eligible ≥ quorum (reaching it exactly is enough). */
export function quorumReached(voted: number, eligible: number, quorum: number): boolean {
  if (eligible <= 0) return false;
  return voted * 1_000_000 >= Math.round(quorum * 1_000_000) * eligible;
}

/**
 * Threshold: yes / (yes + no) strictly greater than the named share; `unanimous` means no `no` and
 * at least one `yes`. With no yes and no no (only abstentions) it is never met.
 */
export function thresholdReached(yes: number, no: number, threshold: ThresholdName): boolean {
  if (yes + no === 0) return false;
  if (threshold === 'unanimous') return no === 0;
  return yes * 1000 > Math.round(THRESHOLDS[threshold] * 1000) * (yes + no);
}

/** The tally of a proposal's votes under its rule. */
export function tally(
  rule: TallyRule,
  electorate: ReadonlyMap<string, number>,
  votes: readonly TalliedVote[],
  removed: ReadonlySet<string> = new Set(),
): Tally {
  let eligible = 0;
  for (const [memberId, weight] of electorate) if (!removed.has(memberId)) eligible += weight;
  let yes = 0;
  let no = 0;
  let abstain = 0;
  for (const vote of countingVotes(votes, electorate, removed).values()) {
    const weight = electorate.get(vote.memberId)!;
    if (vote.choice === 'yes') yes += weight;
    else if (vote.choice === 'no') no += weight;
    else abstain += weight;
  }
  const voted = yes + no + abstain;
  return {
    eligible,
    yes,
    no,
    abstain,
    voted,
    quorumMet: quorumReached(voted, eligible, rule.quorum),
    thresholdMet: thresholdReached(yes, no, rule.threshold),
  };
}

/** The outcome when the voting window ends: passed, rejected (threshold missed) or expired (quorum missed). */
export function outcomeOf(result: Tally): Outcome {
  if (!result.quorumMet) return 'expired';
  return result.thresholdMet ? 'passed' : 'rejected';
}

/**
 * Early close: the outcome once no member who has not voted yet can change it, or undefined while
 * they still can. Passing is settled when quorum is met already and the threshold holds even if
 * all remaining weight votes no; failing is settled when the threshold fails even if all remaining
 * weight votes yes. Votes already cast are taken as they stand: the early close ends the window,
 * and with it the right to change a vote (docs/council.md §3.5).
 */
export function settledOutcome(rule: TallyRule, result: Tally): Outcome | undefined {
  const remaining = result.eligible - result.voted;
  if (remaining <= 0) return outcomeOf(result);
  if (result.quorumMet && thresholdReached(result.yes, result.no + remaining, rule.threshold))
    return 'passed';
  // Even all remaining weight voting yes cannot pass it (whether or not quorum would be met).
  if (!thresholdReached(result.yes + remaining, result.no, rule.threshold)) return 'rejected';
  return undefined;
}
