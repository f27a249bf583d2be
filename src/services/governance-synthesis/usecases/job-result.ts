/**
 * A job's result: the chosen candidate's policies and report at the top (what the PGC gets), its
 * provenance (job, provider, model, prompt hash, rounds, verification), every candidate with its
 * outcome, and the consensus report when there were several valid ones.
 */
import type { Policy } from '../../../policy/index.js';
import type { JobRow } from '../store.js';
import type { ConsensusReport } from './choose-consensus.js';
import type { CandidateOutcome } from './gather-candidates.js';

export interface Provenance {
  readonly jobId: string;
  readonly provider: string;
  readonly model: string;
  readonly promptHash?: string;
  readonly rounds: number;
  readonly requestedBy: string;
  readonly constitutionHash: string;
  readonly verification: unknown;
}

export interface JobResult {
  readonly provider: string;
  readonly model: string;
  readonly rounds: number;
  /** What the chosen candidate's model was told to fix before its answer passed, by round. */
  readonly repairs: readonly { readonly round: number; readonly problem: string }[];
  readonly policies: readonly Policy[];
  readonly report: unknown;
  readonly provenance: Provenance;
  readonly candidates: readonly {
    readonly index: number;
    readonly provider: string;
    readonly model?: string;
    readonly rounds?: number;
    readonly repairs?: readonly { readonly round: number; readonly problem: string }[];
    readonly valid: boolean;
    readonly problem?: string;
  }[];
  readonly consensus?: ConsensusReport;
}

export function jobResult(
  job: JobRow,
  outcomes: readonly CandidateOutcome[],
  chosen: CandidateOutcome,
  consensus?: ConsensusReport,
): JobResult {
  const candidate = chosen.candidate!;
  return {
    provider: chosen.provider,
    model: candidate.model,
    rounds: candidate.rounds,
    repairs: candidate.repairs ?? [],
    policies: candidate.policies,
    report: chosen.report,
    provenance: {
      jobId: job.id,
      provider: chosen.provider,
      model: candidate.model,
      ...(candidate.promptHash === undefined ? {} : { promptHash: candidate.promptHash }),
      rounds: candidate.rounds,
      requestedBy: job.created_by,
      constitutionHash: job.constitution_hash,
      verification: chosen.report?.verification,
    },
    candidates: candidateList(outcomes),
    ...(consensus === undefined ? {} : { consensus }),
  };
}

/** Every candidate with its outcome; alone, the result of a job in which none was valid. */
export function candidateList(outcomes: readonly CandidateOutcome[]): JobResult['candidates'] {
  return outcomes.map((o) => {
    const repairs = o.candidate?.repairs ?? o.repairs;
    return {
      index: o.index,
      provider: o.provider,
      ...(o.candidate === undefined ? {} : { model: o.candidate.model, rounds: o.candidate.rounds }),
      ...(repairs === undefined ? {} : { repairs }),
      valid: o.valid,
      ...(o.problem === undefined ? {} : { problem: o.problem }),
    };
  });
}
