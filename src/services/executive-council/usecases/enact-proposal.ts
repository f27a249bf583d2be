/**
 * Enacts a queued proposal past its timelock through the owning service's contract. One replica
 * claims it (a conditional update with a lease); the owning service checks again with the council
 * that the proposal authorises exactly this content. Retried with backoff on failure, marked
 * `failed` with its reason after the last attempt or when the owner refuses for good (a 4xx).
 * Idempotent: an enactment that took effect before a crash is recognised on the retry.
 */
import { PlatformError } from '../../../kernel/errors.js';
import { type CouncilChange, councilChangeProblems } from '../council-change.js';
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import {
  COUNCIL_EVENTS,
  type EnactmentFailedData,
  type MembersChangedData,
  type ProposalEnactedData,
} from '../council-events.js';
import { councilErrors } from '../errors.js';
import type { MemberInput } from '../member-input.js';
import type { Proposal, Tx } from '../store.js';

type EnactResult = Readonly<Record<string, unknown>>;

/** Claims and enacts one due proposal; returns what happened (nothing when another replica holds it). */
export async function enactDue(
  deps: CouncilDeps,
  proposalId: string,
): Promise<'enacted' | 'retry' | 'failed' | 'skipped'> {
  const nowMs = deps.clock.now();
  if (
    !(await deps.store.claimEnactment(proposalId, deps.instanceId, nowMs, nowMs + deps.settings.enactLeaseMs))
  )
    return 'skipped';
  const proposal = await deps.store.proposal(proposalId);
  if (proposal === undefined || proposal.status !== 'queued') return 'skipped';
  const heartbeat = new ClaimHeartbeat(deps, proposalId);
  try {
    return await enactClaimed(deps, proposal);
  } finally {
    heartbeat.stop();
  }
}

/**
 * Keeps this replica's claim alive while its enactment runs: renewed every third of the lease, so
 * a slow owner (an activation running every gate) never lets the claim expire under a live
 * enactment and a second replica cannot start the same one. Only a replica that cannot renew for
 * a whole lease (stalled, or cut off from the database) loses it; its late writes are then refused
 * (every write is conditional on the claim), and the owner recognises the repeat.
 */
class ClaimHeartbeat {
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly deps: CouncilDeps,
    private readonly proposalId: string,
  ) {
    const every = Math.max(100, Math.floor(deps.settings.enactLeaseMs / 3));
    this.#timer = setInterval(() => void this.#renew(), every);
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const { deps, proposalId } = this;
    try {
      const held = await deps.store.renewEnactment(
        proposalId,
        deps.instanceId,
        deps.clock.now() + deps.settings.enactLeaseMs,
      );
      if (!held) {
        deps.logger.warn({ proposalId }, 'council enactment claim lost to another replica while enacting');
        this.stop();
      }
    } catch (error) {
      deps.logger.warn({ err: error, proposalId }, 'council enactment claim not renewed; retrying');
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

async function enactClaimed(
  deps: CouncilDeps,
  proposal: Proposal,
): Promise<'enacted' | 'retry' | 'failed' | 'skipped'> {
  const proposalId = proposal.id;
  const attempt = proposal.enactAttempts + 1;
  try {
    if (proposal.kind === 'change-council') {
      await deps.store.transaction(async (tx) => {
        const result = await changeMembership(deps, tx, proposal, deps.clock.now());
        await finish(deps, tx, proposal, result, attempt);
      });
    } else {
      const result = await enactElsewhere(deps, proposal);
      await deps.store.transaction((tx) => finish(deps, tx, proposal, result, attempt));
    }
    void deps.relay.flush();
    deps.logger.info({ proposalId, kind: proposal.kind, attempt }, 'council proposal enacted');
    return 'enacted';
  } catch (error) {
    const permanent = error instanceof PlatformError && error.status < 500;
    const final = permanent || attempt >= deps.settings.enactAttempts;
    const reason = error instanceof Error ? error.message : String(error);
    const failedMs = deps.clock.now();
    // Backoff: the claim is left in place until the next attempt is due.
    const retryAt = failedMs + Math.min(60_000, 500 * 2 ** (attempt - 1));
    const recorded = await deps.store.transaction(async (tx) => {
      const won = await deps.store.transition(
        tx,
        proposalId,
        { status: 'queued', claimOwner: deps.instanceId },
        final
          ? {
              status: 'failed',
              enact_attempts: attempt,
              last_error: reason,
              claim_owner: null,
              claim_until_ms: null,
            }
          : { enact_attempts: attempt, last_error: reason, claim_until_ms: retryAt },
      );
      if (!won) return false;
      const data: EnactmentFailedData = { proposalId, attempt, reason, final };
      await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.enactmentFailed, data, failedMs), failedMs);
      return true;
    });
    if (!recorded) {
      // The claim is no longer ours: the replica holding it decides; this attempt changes nothing.
      deps.logger.warn({ err: error, proposalId }, 'council enactment abandoned: the claim was lost');
      return 'skipped';
    }
    void deps.relay.flush();
    deps.logger.warn({ err: error, proposalId, attempt, final }, 'council enactment failed');
    return final ? 'failed' : 'retry';
  }
}

async function finish(deps: CouncilDeps, tx: Tx, proposal: Proposal, result: EnactResult, attempt: number) {
  const nowMs = deps.clock.now();
  const won = await deps.store.transition(
    tx,
    proposal.id,
    { status: 'queued', claimOwner: deps.instanceId },
    {
      status: 'enacted',
      enacted_ms: nowMs,
      enact_attempts: attempt,
      result: JSON.stringify(result),
      claim_owner: null,
      claim_until_ms: null,
    },
  );
  if (!won) throw new Error(`proposal ${proposal.id}: the enactment claim was lost (lease expired)`);
  const data: ProposalEnactedData = {
    proposalId: proposal.id,
    kind: proposal.kind,
    contentHash: proposal.contentHash,
    result,
  };
  await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.proposalEnacted, data, nowMs), nowMs);
}

async function enactElsewhere(deps: CouncilDeps, proposal: Proposal): Promise<EnactResult> {
  const enactment = { proposalId: proposal.id, enactedBy: `council:${proposal.id}` };
  switch (proposal.kind) {
    case 'amend-constitution': {
      try {
        const version = await deps.constitution.enact({ document: proposal.content.document }, enactment);
        return { version: version.number, hash: version.hash };
      } catch (error) {
        // Enacted before a crash: the version with the hash this proposal binds was published by
        // this proposal. One published otherwise (by another amendment to the same text) is not
        // this proposal's doing: that fails with the constitution service's reason.
        const details = error instanceof PlatformError ? error.details : undefined;
        if (
          error instanceof PlatformError &&
          error.code === 'CONSTITUTION_VERSION_EXISTS' &&
          details?.hash === proposal.contentHash &&
          details?.proposalId === proposal.id
        )
          return { version: details.version, hash: proposal.contentHash, alreadyEnacted: true };
        throw error;
      }
    }
    case 'activate-policies':
    case 'activate-narrowing-policies': {
      if (proposal.content.ratifies !== undefined) return { ratified: proposal.content.bundleId };
      const activation = await policiesOf(deps).activateForProposal(
        String(proposal.content.bundleId),
        enactment,
      );
      return { ...activation };
    }
    case 'retire-policy': {
      const activation = await policiesOf(deps).retireForProposal(
        String(proposal.content.policyId),
        enactment,
      );
      return { ...activation };
    }
    case 'adopt-variant':
      // Adoption is the council's record; activating the set goes through the PGC's gates separately.
      return {
        adopted: proposal.content.bundleId,
        runId: proposal.content.runId,
        variantId: proposal.content.variantId,
      };
    default:
      throw new Error(`proposal kind ${proposal.kind} has no enactment`);
  }
}

function policiesOf(deps: CouncilDeps) {
  const policies = deps.policies();
  if (policies === undefined) throw new Error('the policy service is not wired to the council');
  return policies;
}

/** Applies a change-council proposal to the members table; removed members leave every open electorate. */
async function changeMembership(
  deps: CouncilDeps,
  tx: Tx,
  proposal: Proposal,
  nowMs: number,
): Promise<EnactResult> {
  const change = proposal.content as unknown as CouncilChange;
  // Another change enacted since the opening may have taken an id or a key, or removed someone.
  const conflicts = await councilChangeProblems(deps.store, tx, change, '/content');
  if (conflicts.length > 0)
    throw councilErrors.create(
      'COUNCIL_PROPOSAL_INVALID',
      `the change no longer applies to the council: ${conflicts.map((c) => `${c.pointer}: ${c.detail}`).join('; ')}`,
      { errors: conflicts },
    );
  const added: MemberInput[] = [];
  for (const member of change.add) {
    await deps.store.insertMember(tx, { ...member, seatedBy: `council:${proposal.id}`, seatedMs: nowMs });
    added.push(member);
  }
  for (const memberId of change.remove) await deps.store.removeMember(tx, memberId, nowMs);
  for (const { memberId, weight } of change.reweight) await deps.store.reweightMember(tx, memberId, weight);
  const affected: string[] = [];
  if (change.remove.length > 0) {
    for (const open of await deps.store.openProposals(tx)) {
      const hit = change.remove.filter(
        (id) => open.electorate.some((e) => e.memberId === id) && !open.removed.includes(id),
      );
      if (hit.length === 0) continue;
      await deps.store.markRemoved(tx, open.id, [...open.removed, ...hit]);
      affected.push(open.id);
    }
  }
  const data: MembersChangedData = {
    proposalId: proposal.id,
    added: added.map((m) => ({ memberId: m.memberId, weight: m.weight, publicKey: m.publicKey })),
    removed: change.remove,
    reweighted: change.reweight,
    affectedProposals: affected,
  };
  await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.membersChanged, data, nowMs), nowMs);
  return { added: added.length, removed: change.remove.length, reweighted: change.reweight.length };
}
