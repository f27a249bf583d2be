/**
 * One job from its claim to its end, stage by stage. Each stage is written before it starts,
 * and a write that finds the job finished (cancelled meanwhile) stops the run there.
 */
import type { Clock } from '../../../kernel/clock.js';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { JobRow, JobStage, SynthesisStore } from '../store.js';
import type { SynthesisProvider } from '../synthesis-provider.js';
import { checkCandidate } from './check-candidate.js';
import { verificationProblems, verifyCandidate } from './verify-candidate.js';

export interface RunJobDeps {
  readonly store: SynthesisStore;
  readonly constitution: ConstitutionContract;
  /** The formal verifier; without it the report says `not-run` (only tests leave it out). */
  readonly verifier?: VerificationContract;
  readonly providers: ReadonlyMap<string, SynthesisProvider>;
  readonly clock: Clock;
  readonly owner: string;
  readonly leaseMs: number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

/** Runs `job` to its end; resolves with how it ended. Never throws for the job's own failures. */
export async function runJob(deps: RunJobDeps, job: JobRow, signal: AbortSignal): Promise<RunOutcome> {
  const { store, clock } = deps;
  const stage = async (name: JobStage, progress: number) => {
    const now = clock.now();
    const open = await store.updateOpen(job.id, {
      status: 'running',
      stage: name,
      progress,
      owner: deps.owner,
      lease_until_ms: now + deps.leaseMs,
      updated_ms: now,
    });
    if (!open || signal.aborted) throw new Cancelled();
  };
  const fail = async (reason: string): Promise<RunOutcome> => {
    await store.updateOpen(job.id, { status: 'failed', error: reason, owner: null, updated_ms: clock.now() });
    return 'failed';
  };
  try {
    await stage('constitution', 0.1);
    const version = await deps.constitution.activeVersion();
    if (version === undefined) return await fail('no constitution has been published');
    if (version.hash !== job.constitution_hash)
      return await fail(`the active constitution is ${version.hash}, not ${job.constitution_hash}`);
    const provider = deps.providers.get(job.provider);
    if (provider === undefined) return await fail(`provider ${job.provider} is not configured`);
    await stage('synthesis', 0.3);
    const candidate = await provider.synthesize(version.document, signal);
    await stage('checking', 0.7);
    const checked = checkCandidate(version.document, candidate.policies);
    await stage('verification', 0.8);
    const report =
      checked.ok && deps.verifier !== undefined
        ? { ...checked, ...(await verifyCandidate(deps.verifier, version, candidate.policies, job.id)) }
        : checked;
    const result = JSON.stringify({
      model: candidate.model,
      rounds: candidate.rounds,
      policies: candidate.policies,
      report,
    });
    const now = clock.now();
    if (!report.ok) {
      await store.updateOpen(job.id, { result, owner: null, updated_ms: now });
      return await fail(
        `the candidate does not satisfy the constitution: ${[...report.scenarios.failed, ...report.invariantViolations, ...verificationProblems(report), ...report.checkerDiagnostics.map((d) => d.message)].slice(0, 3).join('; ')}`,
      );
    }
    const done = await store.updateOpen(job.id, {
      status: 'succeeded',
      stage: 'done',
      progress: 1,
      result,
      owner: null,
      updated_ms: now,
    });
    return done ? 'succeeded' : 'cancelled';
  } catch (error) {
    if (error instanceof Cancelled || signal.aborted) return 'cancelled';
    return fail(
      `the ${job.provider} provider failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

class Cancelled extends Error {}
