/**
 * Records a signed vote. The signature must verify with the key of a member of the proposal's
 * electorate who is still seated, over a payload that names this proposal and the content it
 * binds; the signed time must be near the server's clock and later than the member's previous vote
 * on the proposal (so an old vote cannot be replayed over a newer one), and no signature is
 * accepted twice. Every vote is kept; the member's latest counts. A vote that settles the outcome
 * closes the proposal in the same transaction (early close).
 *
 * The signature is checked before the database is touched for writing (the electorate snapshot,
 * keys included, never changes after opening); the rest runs in a transaction shared with the
 * votes that arrive meanwhile (group commit, each vote in its own savepoint), and the answer is
 * given once that transaction committed.
 */
import type { KeyObject } from 'node:crypto';
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import { COUNCIL_EVENTS, type ElectorSnapshot, type VoteCastData } from '../council-events.js';
import { councilErrors } from '../errors.js';
import type { Proposal, StoredVote, Tx } from '../store.js';
import { settledOutcome, type Tally } from '../tally.js';
import { publicKeyOf, type VoteFields, verifyVote, voteFieldProblem } from '../vote-payload.js';
import { closeInTx, tallyOf } from './close-proposal.js';

export interface VoteInput extends VoteFields {
  readonly signature: string;
}

export interface RecordedVote {
  readonly vote: StoredVote;
  readonly proposal: Proposal;
  readonly tally: Tally;
}

/** Concurrent votes on one proposal from several replicas race for the next sequence number; the loser retries. */
const MAX_ATTEMPTS = 20;

export async function castVote(deps: CouncilDeps, input: VoteInput): Promise<RecordedVote> {
  const problem = voteFieldProblem(input);
  if (problem !== undefined) {
    const pointer = problem.field === 'proposalId' ? PROPOSAL_POINTER : `/body/${problem.field}`;
    throw councilErrors.create('COUNCIL_PROPOSAL_INVALID', `${pointer}: ${problem.detail}`, {
      errors: [{ pointer, detail: problem.detail }],
    });
  }
  const electorate = await deps.store.electorate(input.proposalId);
  if (electorate === undefined) throw notFound(input.proposalId);
  checkSignature(input, electorate);
  for (let attempt = 1; ; attempt++) {
    const recorded = await deps.store.batched((tx) => recordInTx(deps, tx, input, deps.clock.now()));
    if (recorded !== undefined) {
      void deps.relay.flush();
      return recorded;
    }
    if (attempt >= MAX_ATTEMPTS)
      throw councilErrors.create('COUNCIL_PROPOSAL_CLOSED', 'concurrent votes kept winning; retry');
  }
}

/** The proposal is named by the route (`/proposals/:id/votes`), not by the body. */
const PROPOSAL_POINTER = '/params/id';

function notFound(proposalId: string) {
  return councilErrors.create('COUNCIL_PROPOSAL_NOT_FOUND', `no proposal ${proposalId}`, {
    errors: [{ pointer: PROPOSAL_POINTER, detail: 'no such proposal' }],
  });
}

async function found(deps: CouncilDeps, proposalId: string, tx: Tx): Promise<Proposal> {
  const proposal = await deps.store.proposal(proposalId, tx);
  if (proposal === undefined) throw notFound(proposalId);
  return proposal;
}

function notEligible(input: VoteInput) {
  return councilErrors.create(
    'COUNCIL_VOTER_NOT_ELIGIBLE',
    `${input.memberId} is not a seated member of proposal ${input.proposalId}'s electorate`,
    { errors: [{ pointer: '/body/memberId', detail: 'not an eligible member' }] },
  );
}

/** Key objects of the electors the store keeps in memory (parsing a key costs more than verifying with it). */
const keys = new WeakMap<ElectorSnapshot, KeyObject | string>();

function keyOf(elector: ElectorSnapshot): KeyObject | string {
  let key = keys.get(elector);
  if (key === undefined) {
    key = publicKeyOf(elector.publicKey) ?? elector.publicKey;
    keys.set(elector, key);
  }
  return key;
}

/** The voter is in the electorate, and the signature verifies with the key it had when the proposal opened. */
function checkSignature(input: VoteInput, electorate: readonly ElectorSnapshot[]): void {
  const elector = electorate.find((e) => e.memberId === input.memberId);
  if (elector === undefined) throw notEligible(input);
  if (!verifyVote(input, input.signature, keyOf(elector))) {
    throw councilErrors.create(
      'COUNCIL_VOTE_SIGNATURE_INVALID',
      `the signature does not verify with ${input.memberId}'s key over this vote's payload`,
      { errors: [{ pointer: '/body/signature', detail: 'does not verify' }] },
    );
  }
}

/** Everything but the signature, inside the transaction; undefined when another replica's vote took the sequence number. */
async function recordInTx(
  deps: CouncilDeps,
  tx: Tx,
  input: VoteInput,
  nowMs: number,
): Promise<RecordedVote | undefined> {
  const proposal = await found(deps, input.proposalId, tx);
  if (
    proposal.removed.includes(input.memberId) ||
    (await deps.store.member(input.memberId, tx)) === undefined
  )
    throw notEligible(input);
  if (input.contentHash !== proposal.contentHash) {
    throw councilErrors.create(
      'COUNCIL_VOTE_CONTENT_MISMATCH',
      `the vote is for content ${input.contentHash.slice(0, 16)}; proposal ${proposal.id} binds ${proposal.contentHash.slice(0, 16)}`,
      { errors: [{ pointer: '/body/contentHash', detail: 'not the content the proposal binds' }] },
    );
  }
  if (proposal.status !== 'open' || proposal.closesMs <= nowMs)
    throw councilErrors.create(
      'COUNCIL_PROPOSAL_CLOSED',
      `proposal ${proposal.id} is ${proposal.status === 'open' ? 'past its window' : proposal.status}`,
      { errors: [{ pointer: PROPOSAL_POINTER, detail: 'no longer open for votes' }] },
    );
  const timeMs = Date.parse(input.time);
  if (Math.abs(timeMs - nowMs) > deps.settings.voteSkewMs)
    throw councilErrors.create(
      'COUNCIL_VOTE_STALE',
      `the vote was signed for ${input.time}; the server's time is ${new Date(nowMs).toISOString()}`,
      {
        errors: [
          {
            pointer: '/body/time',
            detail: `more than ${deps.settings.voteSkewMs} ms from the server's clock`,
          },
        ],
      },
    );
  const votes = await deps.store.votes(proposal.id, tx);
  const previous = votes.filter((v) => v.memberId === input.memberId).at(-1);
  if (
    (await deps.store.signatureSeen(input.signature, tx)) ||
    (previous !== undefined && previous.timeMs >= timeMs)
  ) {
    throw councilErrors.create(
      'COUNCIL_VOTE_REPLAYED',
      'this vote was recorded already, or a later one by the same member was',
      {
        errors: [{ pointer: '/body/signature', detail: 'replayed or older than the last vote' }],
      },
    );
  }
  const seq = proposal.voteSeq + 1;
  if (
    !(await deps.store.transition(
      tx,
      proposal.id,
      { status: 'open', voteSeq: proposal.voteSeq },
      { vote_seq: seq },
    ))
  )
    return undefined;
  const vote: StoredVote = {
    proposalId: proposal.id,
    seq,
    memberId: input.memberId,
    choice: input.choice,
    time: input.time,
    timeMs,
    signature: input.signature,
    receivedMs: nowMs,
  };
  await deps.store.insertVote(tx, vote);
  const data: VoteCastData = {
    proposalId: proposal.id,
    seq,
    contentHash: input.contentHash,
    memberId: input.memberId,
    choice: input.choice,
    time: input.time,
    signature: input.signature,
  };
  await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.voteCast, data, nowMs), nowMs);
  const after: Proposal = { ...proposal, voteSeq: seq };
  const result = tallyOf(after, [...votes, vote]);
  const settled = settledOutcome(after.rule, result);
  if (settled === undefined) return { vote, tally: result, proposal: after };
  await closeInTx(deps, tx, after, result, settled, nowMs, true);
  return { vote, tally: result, proposal: await found(deps, proposal.id, tx) };
}
