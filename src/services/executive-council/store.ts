/**
 * The Executive Council's tables: members, proposals (with the electorate and rule snapshot taken
 * at opening), votes (every one kept), review tasks, and the outbox of events committed in the
 * same transaction as the change they announce. Durable timers are rows: the scheduler finds due
 * proposals and tasks by time and claims each with a conditional update, so with several replicas
 * exactly one closes, enacts or expires it.
 */
import type { Kysely, Migration, Transaction } from 'kysely';
import type { CouncilRule, ProposalKind } from '../../kernel/contracts/constitution.js';
import type { ProposalStatus } from '../../kernel/contracts/council.js';
import type { EventEnvelope } from '../../kernel/events.js';
import {
  createEnvelopeOutboxTable,
  EnvelopeOutbox,
  type EnvelopeOutboxTable,
} from '../../kit/envelope-outbox.js';
import type { Database } from '../../storage/database.js';
import type { ElectorSnapshot, TallyView } from './council-events.js';
import type { Outcome } from './tally.js';
import { TransactionBatcher } from './transaction-batcher.js';
import type { VoteChoice } from './vote-payload.js';

interface MemberTable {
  member_id: string;
  display_name: string;
  public_key: string;
  weight: number;
  seated_ms: number;
  seated_by: string;
  removed_ms: number | null;
}

interface ProposalTable {
  id: string;
  kind: string;
  title: string;
  content: string;
  content_hash: string;
  proposer: string;
  status: string;
  rule: string;
  constitution_hash: string;
  electorate: string;
  removed: string;
  created_ms: number;
  closes_ms: number;
  vote_seq: number;
  closed_ms: number | null;
  outcome: string | null;
  tally: string | null;
  early: number;
  enactable_ms: number | null;
  enacted_ms: number | null;
  enact_attempts: number;
  last_error: string | null;
  claim_owner: string | null;
  claim_until_ms: number | null;
  result: string | null;
}

interface VoteTable {
  proposal_id: string;
  seq: number;
  member_id: string;
  choice: string;
  time: string;
  time_ms: number;
  signature: string;
  received_ms: number;
}

interface ReviewTaskTable {
  decision_id: string;
  queue: string;
  status: string;
  principal_id: string | null;
  action_type: string;
  request_digest: string;
  matched: string;
  reasons: string;
  obligations: string;
  bundle_id: string;
  leaf_hash: string;
  log_index: number | null;
  decided_ms: number;
  received_ms: number;
  deadline_ms: number;
  claimed_by: string | null;
  claim_until_ms: number | null;
  outcome: string | null;
  via: string | null;
  resolved_by: string | null;
  comment: string | null;
  resolved_ms: number | null;
}

export interface CouncilTables {
  ec_members: MemberTable;
  ec_proposals: ProposalTable;
  ec_votes: VoteTable;
  ec_review_tasks: ReviewTaskTable;
  ec_outbox: EnvelopeOutboxTable;
}

export const councilMigrations: Readonly<Record<string, Migration>> = {
  '0001_members_proposals_votes_reviews': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ec_members')
        .addColumn('member_id', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('weight', 'bigint', (c) => c.notNull())
        .addColumn('seated_ms', 'bigint', (c) => c.notNull())
        .addColumn('seated_by', 'text', (c) => c.notNull())
        .addColumn('removed_ms', 'bigint')
        .execute();
      await db.schema
        .createTable('ec_proposals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('proposer', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('constitution_hash', 'text', (c) => c.notNull())
        .addColumn('electorate', 'text', (c) => c.notNull())
        .addColumn('removed', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('closes_ms', 'bigint', (c) => c.notNull())
        .addColumn('vote_seq', 'bigint', (c) => c.notNull())
        .addColumn('closed_ms', 'bigint')
        .addColumn('outcome', 'text')
        .addColumn('tally', 'text')
        .addColumn('early', 'integer', (c) => c.notNull())
        .addColumn('enactable_ms', 'bigint')
        .addColumn('enacted_ms', 'bigint')
        .addColumn('enact_attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('claim_owner', 'text')
        .addColumn('claim_until_ms', 'bigint')
        .addColumn('result', 'text')
        .execute();
      await db.schema.createIndex('ec_proposals_status').on('ec_proposals').columns(['status']).execute();
      await db.schema
        .createTable('ec_votes')
        .addColumn('proposal_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('choice', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('time_ms', 'bigint', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull().unique())
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ec_votes_pk', ['proposal_id', 'seq'])
        .execute();
      await db.schema
        .createTable('ec_review_tasks')
        .addColumn('decision_id', 'text', (c) => c.primaryKey())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text')
        .addColumn('action_type', 'text', (c) => c.notNull())
        .addColumn('request_digest', 'text', (c) => c.notNull())
        .addColumn('matched', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('obligations', 'text', (c) => c.notNull())
        .addColumn('bundle_id', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', 'text', (c) => c.notNull())
        .addColumn('log_index', 'bigint')
        .addColumn('decided_ms', 'bigint', (c) => c.notNull())
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .addColumn('deadline_ms', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claim_until_ms', 'bigint')
        .addColumn('outcome', 'text')
        .addColumn('via', 'text')
        .addColumn('resolved_by', 'text')
        .addColumn('comment', 'text')
        .addColumn('resolved_ms', 'bigint')
        .execute();
      await db.schema
        .createIndex('ec_review_tasks_open')
        .on('ec_review_tasks')
        .columns(['status', 'deadline_ms'])
        .execute();
      await createEnvelopeOutboxTable(db, 'ec_outbox');
    },
  },
  // Review tasks pile up with every review decision; the queue's counts and a reviewer's listing
  // must not read every unresolved row (a scan of them stalled the process for tens of ms per
  // pass at 150,000 tasks). Counts read this index alone; listings walk it in order.
  '0002_review_task_indexes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('ec_review_tasks_counts')
        .on('ec_review_tasks')
        .columns(['status', 'queue', 'deadline_ms'])
        .execute();
      await db.schema
        .createIndex('ec_review_tasks_listing')
        .on('ec_review_tasks')
        .columns(['status', 'received_ms'])
        .execute();
    },
  },
};

/** The statuses of a task not yet resolved (an `in` list, which indexes serve; `!= resolved` is a scan). */
const UNRESOLVED = ['open', 'claimed'] as const;

export interface Member {
  readonly memberId: string;
  readonly displayName: string;
  readonly publicKey: string;
  readonly weight: number;
  readonly seatedAt: string;
  readonly seatedBy: string;
}

/** A proposal as stored. */
export interface Proposal {
  readonly id: string;
  readonly kind: ProposalKind;
  readonly title: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly contentHash: string;
  readonly proposer: string;
  readonly status: ProposalStatus;
  readonly rule: CouncilRule;
  readonly constitutionHash: string;
  readonly electorate: readonly ElectorSnapshot[];
  readonly removed: readonly string[];
  readonly createdMs: number;
  readonly closesMs: number;
  readonly voteSeq: number;
  readonly closedMs: number | null;
  readonly outcome: Outcome | null;
  readonly tally: TallyView | null;
  readonly early: boolean;
  readonly enactableMs: number | null;
  readonly enactedMs: number | null;
  readonly enactAttempts: number;
  readonly lastError: string | null;
  readonly claimOwner: string | null;
  readonly claimUntilMs: number | null;
  readonly result: Readonly<Record<string, unknown>> | null;
}

export interface StoredVote {
  readonly proposalId: string;
  readonly seq: number;
  readonly memberId: string;
  readonly choice: VoteChoice;
  readonly time: string;
  readonly timeMs: number;
  readonly signature: string;
  readonly receivedMs: number;
}

export interface ReviewTask {
  readonly decisionId: string;
  readonly queue: string;
  readonly status: 'open' | 'claimed' | 'resolved';
  readonly principalId: string | null;
  readonly actionType: string;
  readonly requestDigest: string;
  readonly matched: readonly unknown[];
  readonly reasons: readonly string[];
  readonly obligations: readonly unknown[];
  readonly bundleId: string;
  readonly leafHash: string;
  readonly logIndex: number | null;
  readonly decidedMs: number;
  readonly receivedMs: number;
  readonly deadlineMs: number;
  readonly claimedBy: string | null;
  readonly claimUntilMs: number | null;
  readonly outcome: 'allow' | 'deny' | null;
  readonly via: 'reviewer' | 'deadline' | null;
  readonly resolvedBy: string | null;
  readonly comment: string | null;
  readonly resolvedMs: number | null;
}

export type Tx = Kysely<CouncilTables> | Transaction<CouncilTables>;

/** Electorate snapshots kept in memory (the proposals being voted on). */
const ELECTORATES_KEPT = 1000;
type ProposalPatch = Partial<Omit<ProposalTable, 'id'>>;

export class CouncilStore {
  readonly db: Kysely<CouncilTables>;
  readonly #batcher: TransactionBatcher<CouncilTables>;
  readonly #electorates = new Map<string, readonly ElectorSnapshot[]>();

  /** The council's events, until the relay has put them on the bus. */
  readonly outbox: EnvelopeOutbox;

  constructor(database: Database) {
    this.db = database.as<CouncilTables>();
    this.outbox = new EnvelopeOutbox(this.db, 'ec_outbox');
    this.#batcher = new TransactionBatcher(this.db);
  }

  transaction<T>(work: (tx: Transaction<CouncilTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * Runs `work` in a transaction shared with the other work submitted meanwhile (group commit,
   * each in its own savepoint); resolves once that transaction committed.
   */
  batched<T>(work: (tx: Transaction<CouncilTables>) => Promise<T>): Promise<T> {
    return this.#batcher.run(work);
  }

  // ---- members

  async members(tx: Tx = this.db): Promise<Member[]> {
    const rows = await tx
      .selectFrom('ec_members')
      .selectAll()
      .where('removed_ms', 'is', null)
      .orderBy('member_id')
      .execute();
    return rows.map(toMember);
  }

  async member(memberId: string, tx: Tx = this.db): Promise<Member | undefined> {
    const row = await tx
      .selectFrom('ec_members')
      .selectAll()
      .where('member_id', '=', memberId)
      .where('removed_ms', 'is', null)
      .executeTakeFirst();
    return row === undefined ? undefined : toMember(row);
  }

  /** Whether the id was ever used (a removed member's id is not reused: old votes name it). */
  async memberIdTaken(memberId: string, tx: Tx = this.db): Promise<boolean> {
    const row = await tx
      .selectFrom('ec_members')
      .select('member_id')
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether a member, seated now or ever, holds this public key (one key speaks for one member). */
  async publicKeyTaken(publicKey: string, tx: Tx = this.db): Promise<boolean> {
    const row = await tx
      .selectFrom('ec_members')
      .select('member_id')
      .where('public_key', '=', publicKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertMember(tx: Tx, member: Omit<Member, 'seatedAt'> & { seatedMs: number }): Promise<void> {
    await tx
      .insertInto('ec_members')
      .values({
        member_id: member.memberId,
        display_name: member.displayName,
        public_key: member.publicKey,
        weight: member.weight,
        seated_ms: member.seatedMs,
        seated_by: member.seatedBy,
        removed_ms: null,
      })
      .execute();
  }

  async removeMember(tx: Tx, memberId: string, nowMs: number): Promise<void> {
    await tx
      .updateTable('ec_members')
      .set({ removed_ms: nowMs })
      .where('member_id', '=', memberId)
      .where('removed_ms', 'is', null)
      .execute();
  }

  async reweightMember(tx: Tx, memberId: string, weight: number): Promise<void> {
    await tx.updateTable('ec_members').set({ weight }).where('member_id', '=', memberId).execute();
  }

  // ---- proposals

  async insertProposal(tx: Tx, proposal: Proposal): Promise<void> {
    await tx.insertInto('ec_proposals').values(toProposalRow(proposal)).execute();
  }

  async proposal(id: string, tx: Tx = this.db): Promise<Proposal | undefined> {
    const row = await tx.selectFrom('ec_proposals').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toProposal(row);
  }

  /**
   * A proposal's electorate snapshot (every member's key and weight when it opened), or undefined
   * when there is no such proposal. The snapshot never changes after opening, so it is kept in
   * memory: a vote's signature is checked without touching the database.
   */
  async electorate(id: string): Promise<readonly ElectorSnapshot[] | undefined> {
    const cached = this.#electorates.get(id);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('ec_proposals')
      .select('electorate')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const electorate = JSON.parse(row.electorate) as ElectorSnapshot[];
    if (this.#electorates.size >= ELECTORATES_KEPT)
      this.#electorates.delete(this.#electorates.keys().next().value!);
    this.#electorates.set(id, electorate);
    return electorate;
  }

  async proposals(filter: { status?: ProposalStatus; limit: number }): Promise<Proposal[]> {
    let query = this.db
      .selectFrom('ec_proposals')
      .selectAll()
      .orderBy('created_ms', 'desc')
      .limit(filter.limit);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toProposal);
  }

  async openProposals(tx: Tx = this.db): Promise<Proposal[]> {
    const rows = await tx.selectFrom('ec_proposals').selectAll().where('status', '=', 'open').execute();
    return rows.map(toProposal);
  }

  /** Open proposals whose window has ended. */
  async dueToClose(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('ec_proposals')
      .select('id')
      .where('status', '=', 'open')
      .where('closes_ms', '<=', nowMs)
      .orderBy('closes_ms')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Queued proposals past their timelock whose enactment claim is free or expired. */
  async dueToEnact(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('ec_proposals')
      .select('id')
      .where('status', '=', 'queued')
      .where('enactable_ms', '<=', nowMs)
      .where((eb) => eb.or([eb('claim_until_ms', 'is', null), eb('claim_until_ms', '<=', nowMs)]))
      .orderBy('enactable_ms')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** The earliest time something is due (a close or an enactment), for the scheduler's next wake. */
  async nextDueMs(): Promise<number | undefined> {
    const close = await this.db
      .selectFrom('ec_proposals')
      .select((eb) => eb.fn.min('closes_ms').as('t'))
      .where('status', '=', 'open')
      .executeTakeFirst();
    const enact = await this.db
      .selectFrom('ec_proposals')
      .select((eb) => eb.fn.min('enactable_ms').as('t'))
      .where('status', '=', 'queued')
      .executeTakeFirst();
    const times = [close?.t, enact?.t].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /**
   * Moves a proposal from one state to another if it is still in the first (and, when given, the
   * caller still holds its claim): the conditional update that makes exactly one replica win.
   */
  async transition(
    tx: Tx,
    id: string,
    from: { status: ProposalStatus; voteSeq?: number; claimOwner?: string },
    patch: ProposalPatch,
  ): Promise<boolean> {
    let query = tx
      .updateTable('ec_proposals')
      .set(patch)
      .where('id', '=', id)
      .where('status', '=', from.status);
    if (from.voteSeq !== undefined) query = query.where('vote_seq', '=', from.voteSeq);
    if (from.claimOwner !== undefined) query = query.where('claim_owner', '=', from.claimOwner);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Claims a due enactment for `owner` until `untilMs`; false when another replica holds it. */
  async claimEnactment(id: string, owner: string, nowMs: number, untilMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ec_proposals')
      .set({ claim_owner: owner, claim_until_ms: untilMs })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where('enactable_ms', '<=', nowMs)
      .where((eb) => eb.or([eb('claim_until_ms', 'is', null), eb('claim_until_ms', '<=', nowMs)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Extends `owner`'s claim on an enactment still queued to `untilMs` (the heartbeat of a running
   * enactment); false when the claim is no longer `owner`'s (it expired and another replica took it).
   */
  async renewEnactment(id: string, owner: string, untilMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ec_proposals')
      .set({ claim_until_ms: untilMs })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where('claim_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markRemoved(tx: Tx, id: string, removed: readonly string[]): Promise<void> {
    await tx
      .updateTable('ec_proposals')
      .set({ removed: JSON.stringify(removed) })
      .where('id', '=', id)
      .execute();
  }

  // ---- votes

  async insertVote(tx: Tx, vote: StoredVote): Promise<void> {
    await tx
      .insertInto('ec_votes')
      .values({
        proposal_id: vote.proposalId,
        seq: vote.seq,
        member_id: vote.memberId,
        choice: vote.choice,
        time: vote.time,
        time_ms: vote.timeMs,
        signature: vote.signature,
        received_ms: vote.receivedMs,
      })
      .execute();
  }

  async votes(proposalId: string, tx: Tx = this.db): Promise<StoredVote[]> {
    const rows = await tx
      .selectFrom('ec_votes')
      .selectAll()
      .where('proposal_id', '=', proposalId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      proposalId: r.proposal_id,
      seq: Number(r.seq),
      memberId: r.member_id,
      choice: r.choice as VoteChoice,
      time: r.time,
      timeMs: Number(r.time_ms),
      signature: r.signature,
      receivedMs: Number(r.received_ms),
    }));
  }

  async signatureSeen(signature: string, tx: Tx = this.db): Promise<boolean> {
    const row = await tx
      .selectFrom('ec_votes')
      .select('seq')
      .where('signature', '=', signature)
      .executeTakeFirst();
    return row !== undefined;
  }

  // ---- review tasks

  /**
   * Inserts the tasks whose decision has none yet (a redelivered event adds nothing), a chunk of
   * rows per statement; resolves with the decision ids inserted.
   */
  async insertTasks(tx: Tx, tasks: readonly ReviewTask[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (let at = 0; at < tasks.length; at += TASKS_PER_STATEMENT) {
      const rows = await tx
        .insertInto('ec_review_tasks')
        .values(tasks.slice(at, at + TASKS_PER_STATEMENT).map(taskRow))
        .onConflict((oc) => oc.column('decision_id').doNothing())
        .returning('decision_id')
        .execute();
      for (const row of rows) inserted.add(row.decision_id);
    }
    return inserted;
  }

  async task(decisionId: string, tx: Tx = this.db): Promise<ReviewTask | undefined> {
    const row = await tx
      .selectFrom('ec_review_tasks')
      .selectAll()
      .where('decision_id', '=', decisionId)
      .executeTakeFirst();
    return row === undefined ? undefined : toTask(row);
  }

  async tasks(filter: { queue?: string; status?: string; limit: number }): Promise<ReviewTask[]> {
    let query = this.db.selectFrom('ec_review_tasks').selectAll().orderBy('received_ms').limit(filter.limit);
    if (filter.queue !== undefined) query = query.where('queue', '=', filter.queue);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toTask);
  }

  /** Claims a task that is open, or claimed with an expired lease, or already held by the same reviewer. */
  /** Claims or renews a task before its deadline; a claim never starts or grows once it has passed. */
  async claimTask(decisionId: string, reviewer: string, nowMs: number, untilMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ec_review_tasks')
      .set({ status: 'claimed', claimed_by: reviewer, claim_until_ms: untilMs })
      .where('decision_id', '=', decisionId)
      .where('status', 'in', UNRESOLVED)
      .where('deadline_ms', '>', nowMs)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'open'),
          eb('claim_until_ms', '<=', nowMs),
          eb('claimed_by', '=', reviewer),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Resolves a task if the reviewer holds an unexpired claim (or, for `deadline`, if no live claim holds it). */
  async resolveTask(
    tx: Tx,
    decisionId: string,
    resolution: {
      outcome: 'allow' | 'deny';
      via: 'reviewer' | 'deadline';
      resolvedBy: string;
      comment: string | null;
      nowMs: number;
    },
  ): Promise<boolean> {
    let query = tx
      .updateTable('ec_review_tasks')
      .set({
        status: 'resolved',
        outcome: resolution.outcome,
        via: resolution.via,
        resolved_by: resolution.resolvedBy,
        comment: resolution.comment,
        resolved_ms: resolution.nowMs,
      })
      .where('decision_id', '=', decisionId)
      .where('status', 'in', UNRESOLVED);
    query =
      resolution.via === 'reviewer'
        ? query
            .where('status', '=', 'claimed')
            .where('claimed_by', '=', resolution.resolvedBy)
            .where('claim_until_ms', '>', resolution.nowMs)
        : query
            .where('deadline_ms', '<=', resolution.nowMs)
            .where((eb) => eb.or([eb('status', '=', 'open'), eb('claim_until_ms', '<=', resolution.nowMs)]));
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Unresolved tasks past their deadline with no live claim. */
  async expiredTasks(nowMs: number, limit: number): Promise<ReviewTask[]> {
    const rows = await this.db
      .selectFrom('ec_review_tasks')
      .selectAll()
      .where('status', 'in', UNRESOLVED)
      .where('deadline_ms', '<=', nowMs)
      .where((eb) => eb.or([eb('status', '=', 'open'), eb('claim_until_ms', '<=', nowMs)]))
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  /**
   * Unresolved tasks per queue, and how many of them are past their deadline: counted by the
   * database from the `ec_review_tasks_counts` index, never row by row here.
   */
  async taskCounts(nowMs: number): Promise<{ open: Map<string, number>; overdue: number }> {
    const rows = await this.db
      .selectFrom('ec_review_tasks')
      .select((eb) => [
        'queue',
        eb.fn.countAll<number | string | bigint>().as('unresolved'),
        eb.fn
          .sum<number | string | bigint | null>(
            eb.case().when('deadline_ms', '<=', nowMs).then(1).else(0).end(),
          )
          .as('overdue'),
      ])
      .where('status', 'in', UNRESOLVED)
      .groupBy('queue')
      .execute();
    const open = new Map<string, number>();
    let overdue = 0;
    for (const row of rows) {
      open.set(row.queue, Number(row.unresolved));
      overdue += Number(row.overdue ?? 0);
    }
    return { open, overdue };
  }

  // ---- outbox

  /** Adds an event to the outbox inside the caller's transaction. */
  async enqueue(tx: Tx, event: EventEnvelope, nowMs: number): Promise<void> {
    await this.outbox.enqueue(tx, event, nowMs);
  }
}

/** Rows per insert statement: 22 columns each, well under SQLite's and PostgreSQL's bind limits. */
const TASKS_PER_STATEMENT = 200;

function taskRow(task: ReviewTask): ReviewTaskTable {
  return {
    decision_id: task.decisionId,
    queue: task.queue,
    status: task.status,
    principal_id: task.principalId,
    action_type: task.actionType,
    request_digest: task.requestDigest,
    matched: JSON.stringify(task.matched),
    reasons: JSON.stringify(task.reasons),
    obligations: JSON.stringify(task.obligations),
    bundle_id: task.bundleId,
    leaf_hash: task.leafHash,
    log_index: task.logIndex,
    decided_ms: task.decidedMs,
    received_ms: task.receivedMs,
    deadline_ms: task.deadlineMs,
    claimed_by: null,
    claim_until_ms: null,
    outcome: null,
    via: null,
    resolved_by: null,
    comment: null,
    resolved_ms: null,
  };
}

function toMember(row: MemberTable): Member {
  return {
    memberId: row.member_id,
    displayName: row.display_name,
    publicKey: row.public_key,
    weight: Number(row.weight),
    seatedAt: new Date(Number(row.seated_ms)).toISOString(),
    seatedBy: row.seated_by,
  };
}

const num = (v: number | null) => (v === null ? null : Number(v));

function toProposal(row: ProposalTable): Proposal {
  return {
    id: row.id,
    kind: row.kind as ProposalKind,
    title: row.title,
    content: JSON.parse(row.content) as Record<string, unknown>,
    contentHash: row.content_hash,
    proposer: row.proposer,
    status: row.status as ProposalStatus,
    rule: JSON.parse(row.rule) as CouncilRule,
    constitutionHash: row.constitution_hash,
    electorate: JSON.parse(row.electorate) as ElectorSnapshot[],
    removed: JSON.parse(row.removed) as string[],
    createdMs: Number(row.created_ms),
    closesMs: Number(row.closes_ms),
    voteSeq: Number(row.vote_seq),
    closedMs: num(row.closed_ms),
    outcome: row.outcome as Outcome | null,
    tally: row.tally === null ? null : (JSON.parse(row.tally) as TallyView),
    early: Number(row.early) === 1,
    enactableMs: num(row.enactable_ms),
    enactedMs: num(row.enacted_ms),
    enactAttempts: Number(row.enact_attempts),
    lastError: row.last_error,
    claimOwner: row.claim_owner,
    claimUntilMs: num(row.claim_until_ms),
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
  };
}

function toProposalRow(p: Proposal): ProposalTable {
  return {
    id: p.id,
    kind: p.kind,
    title: p.title,
    content: JSON.stringify(p.content),
    content_hash: p.contentHash,
    proposer: p.proposer,
    status: p.status,
    rule: JSON.stringify(p.rule),
    constitution_hash: p.constitutionHash,
    electorate: JSON.stringify(p.electorate),
    removed: JSON.stringify(p.removed),
    created_ms: p.createdMs,
    closes_ms: p.closesMs,
    vote_seq: p.voteSeq,
    closed_ms: p.closedMs,
    outcome: p.outcome,
    tally: p.tally === null ? null : JSON.stringify(p.tally),
    early: p.early ? 1 : 0,
    enactable_ms: p.enactableMs,
    enacted_ms: p.enactedMs,
    enact_attempts: p.enactAttempts,
    last_error: p.lastError,
    claim_owner: p.claimOwner,
    claim_until_ms: p.claimUntilMs,
    result: p.result === null ? null : JSON.stringify(p.result),
  };
}

function toTask(row: ReviewTaskTable): ReviewTask {
  return {
    decisionId: row.decision_id,
    queue: row.queue,
    status: row.status as ReviewTask['status'],
    principalId: row.principal_id,
    actionType: row.action_type,
    requestDigest: row.request_digest,
    matched: JSON.parse(row.matched) as unknown[],
    reasons: JSON.parse(row.reasons) as string[],
    obligations: JSON.parse(row.obligations) as unknown[],
    bundleId: row.bundle_id,
    leafHash: row.leaf_hash,
    logIndex: num(row.log_index),
    decidedMs: Number(row.decided_ms),
    receivedMs: Number(row.received_ms),
    deadlineMs: Number(row.deadline_ms),
    claimedBy: row.claimed_by,
    claimUntilMs: num(row.claim_until_ms),
    outcome: row.outcome as ReviewTask['outcome'],
    via: row.via as ReviewTask['via'],
    resolvedBy: row.resolved_by,
    comment: row.comment,
    resolvedMs: num(row.resolved_ms),
  };
}
