/**
 * The compliance check: for a decision request, which invariants of a version (the active one by
 * default) apply, which decisions each forbids and why — the invariants' exact meaning, no
 * scoring. With a proposed decision it also says whether that decision complies.
 */
import type { ConstitutionDecision } from '../../../kernel/contracts/constitution.js';
import { commonErrors } from '../../../kernel/errors.js';
import { type ApplicableInvariant, policyErrors } from '../../../policy/index.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { getVersion } from './get-version.js';

const DECISIONS: readonly ConstitutionDecision[] = ['allow', 'deny', 'review'];

export interface ComplianceQuery {
  readonly request: unknown;
  readonly decision?: ConstitutionDecision;
  readonly version?: string;
}

export interface ComplianceReport {
  readonly version: number;
  readonly hash: string;
  readonly applicable: readonly ApplicableInvariant[];
  /** Union of the applicable invariants' forbidden decisions. */
  readonly forbidden: readonly ConstitutionDecision[];
  /** The decisions no applicable invariant forbids. */
  readonly permitted: readonly ConstitutionDecision[];
  /** Present when a decision was proposed. */
  readonly decision?: ConstitutionDecision;
  readonly compliant?: boolean;
  /** The applicable invariants that forbid the proposed decision. */
  readonly violations?: readonly ApplicableInvariant[];
}

export async function checkCompliance(
  deps: ConstitutionDeps,
  query: ComplianceQuery,
): Promise<ComplianceReport> {
  const version = await getVersion(deps, query.version ?? 'active');
  const { invariants } = deps.compiled.get(version.hash, version.document);
  let applicable: readonly ApplicableInvariant[];
  try {
    applicable = invariants.applicable(query.request);
  } catch (error) {
    if (policyErrors.is(error, 'POLICY_REQUEST_INVALID')) {
      const errors = (error.errors ?? []).map((e) => ({ ...e, pointer: `/body/request${e.pointer}` }));
      throw commonErrors.create(
        'VALIDATION_FAILED',
        `the request does not match the vocabulary: ${error.message}`,
        {
          errors,
        },
      );
    }
    throw error;
  }
  const forbidden = DECISIONS.filter((d) => applicable.some((a) => a.forbid.includes(d)));
  const report: ComplianceReport = {
    version: version.number,
    hash: version.hash,
    applicable,
    forbidden,
    permitted: DECISIONS.filter((d) => !forbidden.includes(d)),
  };
  if (query.decision === undefined) return report;
  const proposed = query.decision;
  const violations = applicable.filter((a) => a.forbid.includes(proposed));
  return { ...report, decision: proposed, compliant: violations.length === 0, violations };
}
