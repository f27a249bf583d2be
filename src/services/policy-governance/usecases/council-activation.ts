/**
 * Activation once a council may be seated (docs/council.md §5, docs/enforcement.md). On behalf of
 * a proposal: the council must confirm that the proposal passed, binds this bundle (or this
 * retirement) and is past its timelock; then every gate runs as for any activation. Directly by an
 * admin: allowed as before while no council is seated; once one is, only as a break-glass for a
 * change the impact classifier proves narrowing, with a reason — logged as
 * `policy.bundle.break-glass` and raised to the council as a ratification proposal. The formal
 * verifier's impact analysis classifies the change (verifier-impact.ts); where it cannot be
 * reached the classification fails with 503 and nothing is activated (fail closed). A passed
 * `activate-narrowing-policies` proposal is classified again at enactment, against the bundle
 * active by then: the lighter rule it passed under holds only for a change that still narrows.
 */
import {
  type CouncilProposalStatus,
  contentDigest,
  enactmentRefusal,
} from '../../../kernel/contracts/council.js';
import type { ImpactVerdict, ProposalEnactment } from '../../../kernel/contracts/policy-governance.js';
import { EVENT_TYPES } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import { type Activation, type ActivationOptions, activateBundle } from './activate-bundle.js';
import { createBundle } from './create-bundle.js';

/** Payload of `policy.bundle.break-glass`. */
export interface BreakGlassData {
  readonly bundleId: string;
  readonly previousBundleId: string | null;
  readonly activatedBy: string;
  readonly reason: string;
  readonly impact: string;
  readonly ratificationProposalId: string | null;
}

/** The proposal that authorises this enactment, or PGC_ENACTMENT_UNAUTHORIZED. */
async function authorise(
  deps: PgcDeps,
  enactment: ProposalEnactment,
  expected: Parameters<typeof enactmentRefusal>[1],
): Promise<CouncilProposalStatus> {
  const council = deps.council();
  const proposal = council === undefined ? undefined : await council.proposal(enactment.proposalId);
  const refusal =
    council === undefined
      ? 'no council is wired to authorise activations'
      : enactmentRefusal(proposal, expected);
  if (refusal !== undefined || proposal === undefined)
    throw pgcErrors.create('PGC_ENACTMENT_UNAUTHORIZED', refusal ?? 'no such council proposal', {
      details: { proposalId: enactment.proposalId },
    });
  return proposal;
}

/** How activating `bundleId` would change what is allowed, relative to the active bundle. */
export async function impactOf(deps: PgcDeps, bundleId: string): Promise<ImpactVerdict> {
  if ((await deps.store.bundle(bundleId)) === undefined)
    throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${bundleId}`, {
      errors: [{ pointer: '/params/id', detail: 'no such bundle' }],
    });
  const fromBundleId = (await deps.store.active())?.bundleId ?? null;
  const verdict = await deps.impact.classify(fromBundleId, bundleId);
  return { bundleId, fromBundleId, ...verdict };
}

/** Activates a bundle on behalf of a passed activate-policies / activate-narrowing-policies proposal. */
export async function activateForProposal(
  deps: PgcDeps,
  bundleId: string,
  enactment: ProposalEnactment,
): Promise<Activation> {
  const expected = {
    kinds: ['activate-policies', 'activate-narrowing-policies'] as const,
    contentHash: bundleId,
    nowMs: deps.clock.now(),
  };
  const proposal = await authorise(deps, enactment, expected);
  if (proposal.kind === 'activate-narrowing-policies') {
    const verdict = await impactOf(deps, bundleId);
    if (verdict.impact !== 'narrowing')
      throw pgcErrors.create(
        'PGC_ENACTMENT_UNAUTHORIZED',
        `proposal ${proposal.id} passed as a narrowing change, but activating bundle ${bundleId.slice(0, 16)} over ${verdict.fromBundleId?.slice(0, 16) ?? 'no bundle'} is ${verdict.impact}: ${verdict.detail}`,
        { details: { proposalId: proposal.id, impact: verdict.impact } },
      );
  }
  // Recorded as the proposal's, so a repeat of the same enactment (a second replica, a retry) is
  // recognised and activates nothing more; the council's authority is asked again after the gates.
  return activateBundle(deps, bundleId, `council:${proposal.id}`, {
    once: true,
    stillAuthorised: () => authorise(deps, enactment, expected).then(() => {}),
  });
}

/** Retires a policy on behalf of a passed retire-policy proposal: the active set without it, with every gate. */
export async function retireForProposal(
  deps: PgcDeps,
  policyId: string,
  enactment: ProposalEnactment,
): Promise<Activation> {
  const expected = {
    kinds: ['retire-policy'] as const,
    contentHash: contentDigest('retire-policy', { policyId }),
    nowMs: deps.clock.now(),
  };
  const proposal = await authorise(deps, enactment, expected);
  const by = `council:${proposal.id}`;
  const pointer = await deps.store.active();
  // Enacted already (a repeat by a second replica, or a retry): the active bundle is its result.
  if (pointer?.activatedBy === by) return activateBundle(deps, pointer.bundleId, by, { once: true });
  const active = pointer === undefined ? undefined : await deps.store.bundle(pointer.bundleId);
  const remaining = active?.policies.filter((p) => (p as { id?: unknown }).id !== policyId) ?? [];
  if (active === undefined || remaining.length === active.policies.length)
    throw pgcErrors.create('PGC_POLICY_NOT_ACTIVE', `policy ${policyId} is not in the active bundle`);
  const { bundle } = await createBundle(
    deps,
    { policies: remaining, suites: active.suites },
    enactment.enactedBy,
  );
  return activateBundle(deps, bundle.id, by, {
    once: true,
    stillAuthorised: () => authorise(deps, enactment, expected).then(() => {}),
  });
}

/** An admin's direct activation: as before without a council; with one, only a proved narrowing with a reason. */
export async function activateDirectly(
  deps: PgcDeps,
  bundleId: string,
  by: string,
  reason: string | undefined,
  options: ActivationOptions = {},
): Promise<Activation & { readonly breakGlass?: { readonly ratificationProposalId: string | null } }> {
  const council = deps.council();
  if (council === undefined || !(await council.seated())) return activateBundle(deps, bundleId, by, options);
  const previous = (await deps.store.active())?.bundleId ?? null;
  const verdict = await deps.impact.classify(previous, bundleId);
  if (verdict.impact !== 'narrowing' || reason === undefined || reason.trim() === '') {
    throw pgcErrors.create(
      'PGC_COUNCIL_REQUIRED',
      verdict.impact !== 'narrowing'
        ? `a council is seated: propose activate-policies for bundle ${bundleId.slice(0, 16)} (break-glass needs a change proved narrowing; this one is ${verdict.impact}: ${verdict.detail})`
        : 'a break-glass activation needs a reason',
      {
        errors: [
          verdict.impact !== 'narrowing'
            ? { pointer: '/params/id', detail: `not proved narrowing (${verdict.impact})` }
            : { pointer: '/body/reason', detail: 'required for a break-glass activation' },
        ],
        details: { impact: verdict.impact },
      },
    );
  }
  const activation = await activateBundle(deps, bundleId, by, options);
  let ratificationProposalId: string | null = null;
  try {
    const impact = { fromBundleId: previous, ...verdict };
    ratificationProposalId = (
      await council.proposeRatification({ bundleId, activatedBy: by, reason, impact })
    ).proposalId;
  } catch (error) {
    deps.logger.error(
      { err: error, bundleId },
      'break-glass activation not raised to the council; raise it by hand',
    );
  }
  const nowMs = deps.clock.now();
  const data: BreakGlassData = {
    bundleId,
    previousBundleId: previous,
    activatedBy: by,
    reason,
    impact: verdict.impact,
    ratificationProposalId,
  };
  await deps.bus.publish({
    id: newId(nowMs),
    type: EVENT_TYPES.policyBundleBreakGlass,
    source: 'pgc',
    time: new Date(nowMs).toISOString(),
    data,
  });
  return { ...activation, breakGlass: { ratificationProposalId } };
}
