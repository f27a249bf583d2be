/**
 * The handover: the chosen, verified policy set goes to the PGC as a bundle (checked, signed, not
 * active) with its provenance; the PGC's impact check (the formal verifier) then compares it with
 * the active set, so the result says what activating it would change; and — when the job asked
 * for it — it goes to the council as an `activate-policies` proposal for that bundle, opened for
 * the person who started the job. A process without the PGC wired (tests of the job mechanics)
 * hands nothing over.
 */
import type { CouncilContract } from '../../../kernel/contracts/council.js';
import type { ImpactVerdict, PolicyGovernanceContract } from '../../../kernel/contracts/policy-governance.js';
import type { JobRequest } from '../job-request.js';
import type { JobRow } from '../store.js';
import type { JobResult } from './job-result.js';

export interface HandoverDeps {
  readonly policies?: PolicyGovernanceContract;
  readonly council?: CouncilContract;
}

/** What the handover adds to the result. */
export interface Handover {
  readonly bundle?: { readonly id: string; readonly created: boolean };
  /**
   * What activating the bundle would change against the active set (`fromBundleId`, null when
   * none is active), as the verifier proves it; `unknown` with the reason when it could not say.
   */
  readonly impact?: Omit<ImpactVerdict, 'bundleId'> | { readonly impact: 'unknown'; readonly detail: string };
  readonly proposal?: { readonly id: string };
}

/** Thrown when part of the handover failed; `done` is what had been handed over by then. */
export class HandoverFailed extends Error {
  constructor(
    message: string,
    readonly done: Handover,
  ) {
    super(message);
  }
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function handOver(
  deps: HandoverDeps,
  job: JobRow,
  request: Pick<JobRequest, 'propose'>,
  result: JobResult,
): Promise<Handover> {
  if (deps.policies === undefined) {
    if (request.propose === true)
      throw new HandoverFailed('no policy service is wired to take the bundle a proposal needs', {});
    return {};
  }
  let drafted: Awaited<ReturnType<PolicyGovernanceContract['draftBundle']>>;
  try {
    drafted = await deps.policies.draftBundle({
      policies: result.policies,
      provenance: { ...result.provenance },
    });
  } catch (error) {
    throw new HandoverFailed(`the PGC did not take the bundle: ${reasonOf(error)}`, {});
  }
  const bundle = { id: drafted.bundleId, created: drafted.created };
  const impact = await impactAgainstActive(deps.policies, bundle.id);
  if (request.propose !== true) return { bundle, impact };
  if (deps.council === undefined)
    throw new HandoverFailed('no council is wired to propose to', { bundle, impact });
  try {
    const { proposalId } = await deps.council.proposeActivation({
      bundleId: bundle.id,
      title: `Activate synthesized policies (job ${job.id}, ${result.provider}/${result.model})`,
      requestedBy: job.created_by,
    });
    return { bundle, impact, proposal: { id: proposalId } };
  } catch (error) {
    throw new HandoverFailed(
      `bundle ${bundle.id} was stored, but the council did not take the proposal: ${reasonOf(error)}`,
      { bundle, impact },
    );
  }
}

/**
 * The verifier's comparison with the active set, as information for whoever activates the bundle:
 * the candidate already satisfies every invariant, so a verifier that cannot be reached here
 * does not fail the job (the council's own impact check, when it decides, fails closed).
 */
async function impactAgainstActive(
  policies: PolicyGovernanceContract,
  bundleId: string,
): Promise<NonNullable<Handover['impact']>> {
  try {
    const { bundleId: _bundle, ...verdict } = await policies.impactOf(bundleId);
    return verdict;
  } catch (error) {
    return { impact: 'unknown', detail: `not compared with the active set: ${reasonOf(error)}` };
  }
}
