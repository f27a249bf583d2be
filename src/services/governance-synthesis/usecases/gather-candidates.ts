/**
 * The candidates of a job: each provider asked (as many samples as the job wants), each answer
 * checked (policy checker, scenarios, invariants on the scenario requests) and, when it passes,
 * verified (the formal verifier proves every invariant over all requests). A provider that fails
 * or a candidate that does not pass is kept with the reason; only valid candidates go on to
 * consensus.
 */
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import {
  type Candidate,
  CandidateNotRepaired,
  type SynthesisFocus,
  type SynthesisProvider,
} from '../synthesis-provider.js';
import { type CandidateReport, checkCandidate } from './check-candidate.js';
import { type VerificationOutcome, verificationProblems, verifyCandidate } from './verify-candidate.js';

export interface CandidateOutcome {
  readonly index: number;
  readonly provider: string;
  /** Absent when the provider gave no candidate (it failed, or its model never repaired). */
  readonly candidate?: Candidate;
  readonly report?: CandidateReport | (CandidateReport & VerificationOutcome);
  readonly valid: boolean;
  /** Why the candidate is not valid. */
  readonly problem?: string;
  /** Without a candidate: what the provider's model was told to fix, by round, before it gave up. */
  readonly repairs?: readonly { readonly round: number; readonly problem: string }[];
}

export interface GatherInput {
  readonly version: Pick<ConstitutionVersion, 'hash' | 'document'>;
  /** One entry per candidate wanted: the provider to ask. */
  readonly plan: readonly SynthesisProvider[];
  readonly focus: SynthesisFocus;
  readonly verifier?: VerificationContract;
  readonly jobId: string;
  /** Called before each candidate is asked and before each is checked (k of n). */
  readonly onStep: (phase: 'synthesis' | 'checking', k: number, n: number) => Promise<void>;
}

/** What is wrong with a report, in a line (empty when nothing is). */
export function reportProblems(report: CandidateReport | (CandidateReport & VerificationOutcome)): string[] {
  return [
    ...report.scenarios.failed,
    ...report.invariantViolations,
    ...verificationProblems(report),
    ...report.checkerDiagnostics.map((d) => d.message),
  ];
}

async function checkAndVerify(input: GatherInput, candidate: Candidate) {
  const checked = checkCandidate(input.version.document, candidate.policies);
  if (!checked.ok || input.verifier === undefined) return checked;
  return {
    ...checked,
    ...(await verifyCandidate(input.verifier, input.version, candidate.policies, input.jobId)),
  };
}

export async function gatherCandidates(input: GatherInput, signal: AbortSignal): Promise<CandidateOutcome[]> {
  const n = input.plan.length;
  const asked: Pick<CandidateOutcome, 'provider' | 'candidate' | 'problem' | 'repairs'>[] = [];
  for (const [k, provider] of input.plan.entries()) {
    await input.onStep('synthesis', k, n);
    try {
      asked.push({
        provider: provider.name,
        candidate: await provider.synthesize(input.version.document, signal, input.focus),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      asked.push({
        provider: provider.name,
        problem: `the ${provider.name} provider failed: ${error instanceof Error ? error.message : String(error)}`,
        ...(error instanceof CandidateNotRepaired ? { repairs: error.repairs } : {}),
      });
    }
  }
  const outcomes: CandidateOutcome[] = [];
  for (const [index, { provider, candidate, problem, repairs }] of asked.entries()) {
    await input.onStep('checking', index, n);
    if (candidate === undefined) {
      outcomes.push({
        index,
        provider,
        valid: false,
        problem: problem ?? 'no candidate',
        ...(repairs === undefined ? {} : { repairs }),
      });
      continue;
    }
    const carried = candidate.report;
    const report =
      carried !== undefined && (input.verifier === undefined || carried.verification.status !== 'not-run')
        ? carried
        : await checkAndVerify(input, candidate);
    const problems = reportProblems(report);
    outcomes.push({
      index,
      provider,
      candidate,
      report,
      valid: report.ok,
      ...(report.ok
        ? {}
        : {
            problem: `the candidate does not satisfy the constitution: ${problems.slice(0, 3).join('; ')}`,
          }),
    });
  }
  return outcomes;
}
