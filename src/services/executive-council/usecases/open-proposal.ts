/**
 * Opens a proposal: checks its content for its kind and binds it by hash, snapshots the electorate
 * (every seated member's key and weight) and the active constitution's rule for the kind, and sets
 * the window's end. Logged as `council.proposal.opened` with the snapshot, so the audit needs
 * nothing but the log.
 */
import { PROPOSAL_KINDS, type ProposalKind } from '../../../kernel/contracts/constitution.js';
import { contentDigest, type VariantAdoptionRequest } from '../../../kernel/contracts/council.js';
import type { FieldError } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import { type CouncilChange, councilChangeProblems } from '../council-change.js';
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import { COUNCIL_EVENTS, type ProposalOpenedData } from '../council-events.js';
import { councilErrors } from '../errors.js';
import { type MemberInput, memberProblems, weightValid } from '../member-input.js';
import type { Proposal } from '../store.js';

export interface ProposalInput {
  readonly kind: string;
  readonly title: string;
  readonly content: Readonly<Record<string, unknown>>;
}

/** What a kind's content resolved to: the content stored (and enacted) and the hash that binds it. */
interface BoundContent {
  readonly content: Readonly<Record<string, unknown>>;
  readonly contentHash: string;
}

const HOUR_MS = 3_600_000;

export async function openProposal(
  deps: CouncilDeps,
  input: ProposalInput,
  proposer: string,
): Promise<Proposal> {
  if (!(PROPOSAL_KINDS as readonly string[]).includes(input.kind))
    throw invalid([{ pointer: '/body/kind', detail: `expected one of ${PROPOSAL_KINDS.join(', ')}` }]);
  const kind = input.kind as ProposalKind;
  const version = await activeVersion(deps);
  const bound = await bindContent(deps, kind, input.content);
  return openBound(
    deps,
    { kind, title: input.title, ...bound },
    proposer,
    version.hash,
    version.document.councilRules[kind],
  );
}

/**
 * Opens a proposal whose content a service has already bound (a break-glass ratification, a DGM
 * variant) under the active constitution's rule for its kind.
 */
export async function openUnderActiveRules(
  deps: CouncilDeps,
  input: { kind: ProposalKind; title: string } & BoundContent,
  proposer: string,
): Promise<Proposal> {
  const version = await activeVersion(deps);
  return openBound(deps, input, proposer, version.hash, version.document.councilRules[input.kind]);
}

async function activeVersion(deps: CouncilDeps) {
  const version = await deps.constitution.activeVersion();
  if (version === undefined)
    throw councilErrors.create(
      'COUNCIL_KIND_UNAVAILABLE',
      'no constitution is published, so no council rules exist',
    );
  return version;
}

/** Opens a proposal whose content is already bound (also the ratification of a break-glass activation). */
export async function openBound(
  deps: CouncilDeps,
  input: { kind: ProposalKind; title: string } & BoundContent,
  proposer: string,
  constitutionHash: string,
  rule: Proposal['rule'],
): Promise<Proposal> {
  const nowMs = deps.clock.now();
  const proposal = await deps.store.transaction(async (tx) => {
    const members = await deps.store.members(tx);
    if (members.length === 0)
      throw councilErrors.create(
        'COUNCIL_NOT_SEATED',
        'seat council members first (POST /api/v1/council/members)',
      );
    const proposal: Proposal = {
      id: newId(nowMs),
      kind: input.kind,
      title: input.title,
      content: input.content,
      contentHash: input.contentHash,
      proposer,
      status: 'open',
      rule,
      constitutionHash,
      electorate: members.map((m) => ({ memberId: m.memberId, weight: m.weight, publicKey: m.publicKey })),
      removed: [],
      createdMs: nowMs,
      closesMs: nowMs + rule.votingWindowHours * HOUR_MS,
      voteSeq: 0,
      closedMs: null,
      outcome: null,
      tally: null,
      early: false,
      enactableMs: null,
      enactedMs: null,
      enactAttempts: 0,
      lastError: null,
      claimOwner: null,
      claimUntilMs: null,
      result: null,
    };
    await deps.store.insertProposal(tx, proposal);
    const data: ProposalOpenedData = {
      proposalId: proposal.id,
      kind: proposal.kind,
      title: proposal.title,
      contentHash: proposal.contentHash,
      proposer,
      rule,
      constitutionHash,
      electorate: proposal.electorate,
      opensAt: new Date(nowMs).toISOString(),
      closesAt: new Date(proposal.closesMs).toISOString(),
    };
    await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.proposalOpened, data, nowMs), nowMs);
    return proposal;
  });
  void deps.relay.flush();
  deps.logger.info({ proposalId: proposal.id, kind: proposal.kind, proposer }, 'council proposal opened');
  return proposal;
}

async function bindContent(
  deps: CouncilDeps,
  kind: ProposalKind,
  content: Readonly<Record<string, unknown>>,
): Promise<BoundContent> {
  switch (kind) {
    case 'amend-constitution': {
      const source =
        typeof content.draftId === 'string'
          ? { draftId: content.draftId }
          : content.document !== undefined
            ? { document: content.document }
            : undefined;
      if (source === undefined)
        throw invalid([
          { pointer: '/body/content', detail: 'give the amended constitution as document or draftId' },
        ]);
      const resolved = await deps.constitution.resolve(source);
      // A text already published (the active one, or an earlier one to return to) is never published
      // again, so its amendment could pass but not be enacted: refused before anyone votes on it.
      if (resolved.publishedAs !== undefined)
        throw councilErrors.create(
          'COUNCIL_AMENDMENT_PUBLISHED',
          `this text is already published as constitution version ${resolved.publishedAs}; amend it with a change (a new version)`,
          {
            errors: [
              { pointer: '/body/content', detail: `the same text as version ${resolved.publishedAs}` },
            ],
          },
        );
      // The normalized document is what is enacted, so the hash bound is the constitution's own hash.
      return { content: { document: resolved.document }, contentHash: resolved.hash };
    }
    case 'activate-policies':
    case 'activate-narrowing-policies': {
      const bundleId = content.bundleId;
      if (typeof bundleId !== 'string' || !/^[0-9a-f]{64}$/.test(bundleId))
        throw invalid([
          { pointer: '/body/content/bundleId', detail: 'expected a bundle id (64 hex digits)' },
        ]);
      const policies = deps.policies();
      if (policies === undefined)
        throw councilErrors.create(
          'COUNCIL_KIND_UNAVAILABLE',
          'the policy service is not wired to the council',
        );
      const bundle = await policies.bundle(bundleId);
      if (bundle === undefined)
        throw invalid([{ pointer: '/body/content/bundleId', detail: `no bundle ${bundleId}` }]);
      // The verifier's impact report, against the bundle active now, travels with the proposal so
      // that members judge what it changes; unreachable, the PGC answers 503 and nothing opens.
      const { bundleId: _, ...impact } = await policies.impactOf(bundleId);
      if (kind === 'activate-narrowing-policies' && impact.impact !== 'narrowing') {
        throw councilErrors.create(
          'COUNCIL_NARROWING_UNPROVED',
          `bundle ${bundleId.slice(0, 16)} is not proved narrowing over ${impact.fromBundleId?.slice(0, 16) ?? 'no active bundle'} (${impact.impact}: ${impact.detail}); propose activate-policies`,
          {
            errors: [
              { pointer: '/body/kind', detail: 'use activate-policies for a change not proved narrowing' },
            ],
          },
        );
      }
      return { content: { bundleId, impact }, contentHash: bundleId };
    }
    case 'retire-policy': {
      const policyId = content.policyId;
      if (typeof policyId !== 'string' || policyId.length === 0 || policyId.length > 128)
        throw invalid([{ pointer: '/body/content/policyId', detail: 'expected a policy id' }]);
      // Only an active policy can be retired: anything else would pass a vote and fail at enactment.
      const policies = deps.policies();
      if (policies === undefined)
        throw councilErrors.create(
          'COUNCIL_KIND_UNAVAILABLE',
          'the policy service is not wired to the council',
        );
      const active = await policies.activeBundle();
      if (active === undefined || !active.policyIds.includes(policyId))
        throw invalid([
          {
            pointer: '/body/content/policyId',
            detail:
              active === undefined
                ? 'no policy bundle is active'
                : `${policyId} is not a policy of the active bundle ${active.id.slice(0, 16)}`,
          },
        ]);
      return { content: { policyId }, contentHash: contentDigest(kind, { policyId }) };
    }
    case 'change-council': {
      const change = changeCouncilContent(content);
      const conflicts = await councilChangeProblems(deps.store, deps.store.db, change, '/body/content');
      if (conflicts.length > 0) throw invalid(conflicts);
      return { content: { ...change }, contentHash: contentDigest(kind, change) };
    }
    case 'adopt-variant':
      // Only the DGM may raise it, for a variant the verifier proved admissible
      // (proposeVariantAdoption); here anyone who may propose could name any run, variant and bundle.
      throw councilErrors.create(
        'COUNCIL_KIND_UNAVAILABLE',
        'adopt-variant proposals are raised by the Darwin Gödel Machine for a variant the verifier proved admissible: POST /api/v1/evolution/runs/{id}/variants/{variantId}/proposal',
        { errors: [{ pointer: '/body/kind', detail: 'raised by the DGM only' }] },
      );
  }
}

/** `{ add: [member], remove: [memberId], reweight: [{memberId, weight}] }`, validated. */
function changeCouncilContent(content: Readonly<Record<string, unknown>>): CouncilChange {
  const errors: FieldError[] = [];
  const list = (name: string) => {
    const value = content[name] ?? [];
    if (!Array.isArray(value)) {
      errors.push({ pointer: `/body/content/${name}`, detail: 'expected an array' });
      return [];
    }
    return value as unknown[];
  };
  const add = list('add').map((m, i) => {
    const member = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    errors.push(...memberProblems(member, `/body/content/add/${i}`));
    const { memberId, displayName, publicKey, weight } = member;
    return { memberId, displayName, publicKey, weight } as MemberInput;
  });
  const remove = list('remove').map((id, i) => {
    if (typeof id !== 'string')
      errors.push({ pointer: `/body/content/remove/${i}`, detail: 'expected a member id' });
    return id as string;
  });
  const reweight = list('reweight').map((r, i) => {
    const { memberId, weight } = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    if (typeof memberId !== 'string')
      errors.push({ pointer: `/body/content/reweight/${i}/memberId`, detail: 'expected a member id' });
    if (!weightValid(weight))
      errors.push({
        pointer: `/body/content/reweight/${i}/weight`,
        detail: 'expected an integer from 1 to 1000000',
      });
    return { memberId, weight } as { memberId: string; weight: number };
  });
  for (const key of Object.keys(content))
    if (!['add', 'remove', 'reweight'].includes(key))
      errors.push({ pointer: `/body/content/${key}`, detail: 'unknown field (add, remove, reweight)' });
  if (add.length + remove.length + reweight.length === 0)
    errors.push({
      pointer: '/body/content',
      detail: 'a change-council proposal adds, removes or reweights someone',
    });
  if (errors.length > 0) throw invalid(errors);
  return { add, remove, reweight };
}

function invalid(errors: FieldError[]) {
  return councilErrors.create('COUNCIL_PROPOSAL_INVALID', `${errors[0]!.pointer}: ${errors[0]!.detail}`, {
    errors,
  });
}

/** The content an adopt-variant proposal stores and enacts. */
export function variantContent(request: Pick<VariantAdoptionRequest, 'bundleId' | 'runId' | 'variantId'>) {
  return { bundleId: request.bundleId, runId: request.runId, variantId: request.variantId };
}
