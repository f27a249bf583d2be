/**
 * The offline audit (`acgs council audit <export>`): from the council's log entries alone it
 * verifies every vote's signature against the key the electorate snapshot names, recomputes every
 * tally with the same rules the service used, and reports every disagreement with what the service
 * decided, naming the log entry index. Pure: the CLI reads the export and prints the report.
 */
import {
  COUNCIL_EVENTS,
  type ProposalClosedData,
  type ProposalOpenedData,
  type VoteCastData,
} from './council-events.js';
import { outcomeOf, settledOutcome, type TalliedVote, tally } from './tally.js';
import { verifyVote } from './vote-payload.js';

/** One log entry as the audit reads it. */
export interface AuditedEntry {
  readonly index: number;
  readonly type: string;
  /** The entry's `source`: only the council's own (`ec`) count. */
  readonly source: string;
  /** The entry's `writer` (format version 2), named when an entry is refused. */
  readonly writer?: string;
  readonly payload: unknown;
}

/** The source of the council's entries: the log lets no other writer use it (docs/security.md). */
const COUNCIL_SOURCE = 'ec';

export interface AuditProblem {
  readonly index: number;
  readonly proposalId: string;
  readonly detail: string;
}

export interface AuditedProposal {
  readonly proposalId: string;
  readonly kind: string;
  readonly votes: number;
  readonly validVotes: number;
  readonly decided?: string;
  readonly recomputed?: string;
  readonly agrees: boolean;
}

export interface AuditReport {
  readonly proposals: readonly AuditedProposal[];
  readonly problems: readonly AuditProblem[];
}

interface Indexed<T> {
  readonly index: number;
  readonly data: T;
}

export function auditCouncil(entries: Iterable<AuditedEntry>): AuditReport {
  const opened = new Map<string, Indexed<ProposalOpenedData>>();
  const votes = new Map<string, Indexed<VoteCastData>[]>();
  const closed = new Map<string, Indexed<ProposalClosedData>>();
  const problems: AuditProblem[] = [];
  let previousIndex: number | undefined;
  for (const entry of entries) {
    const data = entry.payload as { proposalId?: unknown };
    if (typeof data?.proposalId !== 'string') continue;
    // The log numbers its entries and an export lists them in that order: a step back is a moved line.
    if (previousIndex !== undefined && entry.index <= previousIndex)
      problems.push({
        index: entry.index,
        proposalId: data.proposalId,
        detail: `out of order: listed after entry ${previousIndex}`,
      });
    previousIndex = entry.index;
    // Any service may append entries of any type under its own source: a council event from
    // another source is a forgery (a proposal, votes and a closing made up by svc-dgm), not council
    // history, and must neither count nor replace the council's own entries.
    if (entry.source !== COUNCIL_SOURCE) {
      problems.push({
        index: entry.index,
        proposalId: data.proposalId,
        detail: `${entry.type} from source ${entry.source}${entry.writer === undefined ? '' : ` (writer ${entry.writer})`}, not the council: not counted`,
      });
      continue;
    }
    if (entry.type === COUNCIL_EVENTS.proposalOpened)
      opened.set(data.proposalId, { index: entry.index, data: entry.payload as ProposalOpenedData });
    else if (entry.type === COUNCIL_EVENTS.voteCast) {
      const list = votes.get(data.proposalId) ?? [];
      list.push({ index: entry.index, data: entry.payload as VoteCastData });
      votes.set(data.proposalId, list);
    } else if (entry.type === COUNCIL_EVENTS.proposalClosed)
      closed.set(data.proposalId, { index: entry.index, data: entry.payload as ProposalClosedData });
  }
  const proposals: AuditedProposal[] = [];
  for (const [proposalId, open] of opened) {
    const electorate = new Map(open.data.electorate.map((e) => [e.memberId, e]));
    const counted: TalliedVote[] = [];
    const cast = votes.get(proposalId) ?? [];
    problems.push(...sequenceProblems(proposalId, open, cast, closed.get(proposalId)));
    for (const { index, data } of cast) {
      const elector = electorate.get(data.memberId);
      const problem =
        elector === undefined
          ? `vote ${data.seq} by ${data.memberId}: not in the proposal's electorate`
          : data.contentHash !== open.data.contentHash
            ? `vote ${data.seq} by ${data.memberId}: for content ${String(data.contentHash).slice(0, 16)}, the proposal binds ${open.data.contentHash.slice(0, 16)}`
            : !verifyVote(
                  {
                    proposalId,
                    contentHash: data.contentHash,
                    choice: data.choice,
                    memberId: data.memberId,
                    time: data.time,
                  },
                  data.signature,
                  elector.publicKey,
                )
              ? `vote ${data.seq} by ${data.memberId} (${data.choice}): the signature does not verify with the member's key`
              : undefined;
      if (problem !== undefined) {
        problems.push({ index, proposalId, detail: problem });
        continue;
      }
      counted.push({
        memberId: data.memberId,
        choice: data.choice,
        timeMs: Date.parse(data.time),
        seq: data.seq,
      });
    }
    const close = closed.get(proposalId);
    if (close === undefined) {
      proposals.push({
        proposalId,
        kind: open.data.kind,
        votes: cast.length,
        validVotes: counted.length,
        agrees: true,
      });
      continue;
    }
    const considered = counted.filter((v) => v.seq <= close.data.votesCounted);
    const weights = new Map(open.data.electorate.map((e) => [e.memberId, e.weight]));
    const result = tally(open.data.rule, weights, considered, new Set(close.data.removed));
    const recomputed = close.data.early
      ? (settledOutcome(open.data.rule, result) ?? 'not settled')
      : outcomeOf(result);
    const differences: string[] = [];
    if (recomputed !== close.data.outcome)
      differences.push(`outcome ${close.data.outcome}, recomputed ${recomputed}`);
    for (const field of ['eligible', 'yes', 'no', 'abstain', 'voted'] as const)
      if (result[field] !== close.data.tally[field])
        differences.push(`${field} ${close.data.tally[field]}, recomputed ${result[field]}`);
    if (differences.length > 0)
      problems.push({
        index: close.index,
        proposalId,
        detail: `the service's tally disagrees: ${differences.join('; ')}`,
      });
    proposals.push({
      proposalId,
      kind: open.data.kind,
      votes: cast.length,
      validVotes: counted.length,
      decided: close.data.outcome,
      recomputed,
      agrees: differences.length === 0,
    });
  }
  for (const [proposalId, list] of votes)
    if (!opened.has(proposalId))
      for (const { index } of list)
        problems.push({
          index,
          proposalId,
          detail: 'vote for a proposal whose opening is not in the export',
        });
  problems.sort((a, b) => a.index - b.index);
  return { proposals, problems };
}

/**
 * The service numbers a proposal's votes 1, 2, 3… (every vote is kept, also one a member later
 * changed), so the export must hold each number once, every one up to the closing's
 * `votesCounted`, and none before the opening. A gap is a deleted vote entry even where the tally
 * does not move (a changed vote's earlier choice); a repeat is a copied one. Log order between
 * votes is not required: with several replicas their events may reach the log in either order.
 */
function sequenceProblems(
  proposalId: string,
  open: Indexed<ProposalOpenedData>,
  cast: readonly Indexed<VoteCastData>[],
  close: Indexed<ProposalClosedData> | undefined,
): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const seen = new Set<number>();
  for (const { index, data } of cast) {
    if (seen.has(data.seq))
      problems.push({ index, proposalId, detail: `vote ${data.seq} appears more than once` });
    if (index < open.index)
      problems.push({ index, proposalId, detail: `vote ${data.seq} precedes the proposal's opening` });
    seen.add(data.seq);
  }
  const last = Math.max(close?.data.votesCounted ?? 0, ...seen);
  const missing: number[] = [];
  for (let seq = 1; seq <= last; seq++) if (!seen.has(seq)) missing.push(seq);
  if (missing.length > 0)
    problems.push({
      index: close?.index ?? open.index,
      proposalId,
      detail: `vote${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the export (the service numbers votes 1..${last})`,
    });
  return problems;
}
