/**
 * Activation once a council may be seated (docs/council.md §5, docs/enforcement.md). On behalf of
 * a proposal: the council must confirm that the proposal passed, binds this bundle (or this
 * retirement) and is past its timelock; then every gate runs as for any activation. Directly by an
 * admin: allowed as before while no council is seated; once one is, only as a break-glass for a
 * change the impact classifier proves narrowing, with a reason — logged as
 * `policy.bundle.break-glass` and raised to the council as a ratification proposal. Until the
 * formal verifier is wired nothing is proved narrowing, so every direct activation is refused.
 */
import { contentDigest, enactmentRefusal } from '../../../kernel/contracts/council.js';
import type { ProposalEnactment } from '../../../kernel/contracts/policy-governance.js';
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

async function authorise(
  deps: PgcDeps,
  enactment: ProposalEnactment,
  expected: Parameters<typeof enactmentRefusal>[1],
) {
  const council = deps.council();
  const refusal =
    council === undefined
      ? 'no council is wired to authorise activations'
      : enactmentRefusal(await council.proposal(enactment.proposalId), expected);
  if (refusal !== undefined)
    throw pgcErrors.create('PGC_ENACTMENT_UNAUTHORIZED', refusal, {
      details: { proposalId: enactment.proposalId },
    });
}

/** Activates a bundle on behalf of a passed activate-policies / activate-narrowing-policies proposal. */
export async function activateForProposal(
  deps: PgcDeps,
  bundleId: string,
  enactment: ProposalEnactment,
): Promise<Activation> {
  await authorise(deps, enactment, {
    kinds: ['activate-policies', 'activate-narrowing-policies'],
    contentHash: bundleId,
    nowMs: deps.clock.now(),
  });
  return activateBundle(deps, bundleId, enactment.enactedBy);
}

/** Retires a policy on behalf of a passed retire-policy proposal: the active set without it, with every gate. */
export async function retireForProposal(
  deps: PgcDeps,
  policyId: string,
  enactment: ProposalEnactment,
): Promise<Activation> {
  await authorise(deps, enactment, {
    kinds: ['retire-policy'],
    contentHash: contentDigest('retire-policy', { policyId }),
    nowMs: deps.clock.now(),
  });
  const pointer = await deps.store.active();
  const active = pointer === undefined ? undefined : await deps.store.bundle(pointer.bundleId);
  const remaining = active?.policies.filter((p) => (p as { id?: unknown }).id !== policyId) ?? [];
  if (active === undefined || remaining.length === active.policies.length)
    throw pgcErrors.create('PGC_POLICY_NOT_ACTIVE', `policy ${policyId} is not in the active bundle`);
  const { bundle } = await createBundle(
    deps,
    { policies: remaining, suites: active.suites },
    enactment.enactedBy,
  );
  return activateBundle(deps, bundle.id, enactment.enactedBy);
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
    ratificationProposalId = (await council.proposeRatification({ bundleId, activatedBy: by, reason }))
      .proposalId;
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
