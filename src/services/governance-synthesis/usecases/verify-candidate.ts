/**
 * The verification stage: the formal verifier (Z3, the verification contract) must prove every
 * invariant for the candidate over all requests; `violated` comes with a counterexample request,
 * `unknown` with the reason. Only a fully proved candidate is handed over.
 */
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { Policy } from '../../../policy/index.js';
import type { CandidateReport, Counterexample } from './check-candidate.js';

export interface VerificationOutcome {
  readonly verification: {
    readonly status: 'proved' | 'violated' | 'unknown';
    readonly proved: number;
    readonly violated: number;
    readonly unknown: number;
    readonly durationMs: number;
    readonly problems: readonly string[];
  };
  readonly counterexamples: readonly Counterexample[];
  readonly ok: boolean;
}

export async function verifyCandidate(
  verifier: VerificationContract,
  version: Pick<ConstitutionVersion, 'hash' | 'document'>,
  policies: readonly Policy[],
  jobId: string,
): Promise<VerificationOutcome> {
  const report = await verifier.verify({
    policies,
    constitutionHash: version.hash,
    constitution: version.document,
    invariantsOnly: true,
    requestedBy: `svc-gs job ${jobId}`,
  });
  const problems = report.invariants
    .filter((i) => i.status !== 'proved')
    .map((i) =>
      i.status === 'violated'
        ? `${i.id} violated: ${i.counterexample?.decision} for ${JSON.stringify(i.counterexample?.request)}`
        : `${i.id} not proved: ${i.reason ?? 'unknown'}`,
    );
  const counterexamples = report.invariants.flatMap((i) =>
    i.status === 'violated' && i.counterexample !== undefined
      ? [{ invariantId: i.id, decision: i.counterexample.decision, request: i.counterexample.request }]
      : [],
  );
  const { proved, violated, unknown } = report.summary;
  return {
    verification: {
      status: violated > 0 ? 'violated' : unknown > 0 ? 'unknown' : 'proved',
      proved,
      violated,
      unknown,
      durationMs: report.durationMs,
      problems,
    },
    counterexamples,
    ok: violated === 0 && unknown === 0,
  };
}

/** The verifier's problems in a report, if it ran. */
export function verificationProblems(
  report: CandidateReport | (CandidateReport & VerificationOutcome),
): string[] {
  const v = report.verification as { problems?: readonly string[] };
  return [...(v.problems ?? [])];
}
