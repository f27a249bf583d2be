/**
 * One job from its claim to its end, stage by stage: constitution → synthesis (every candidate
 * asked) → checking and verification (each candidate) → consensus (several valid candidates) →
 * handover (the chosen set to the PGC as a bundle, and a council proposal when asked) → done.
 * Each stage and each step inside one is written before it starts, and a write that finds the
 * job finished (cancelled meanwhile) stops the run there.
 */
import type { Clock } from '../../../kernel/clock.js';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { JobRequest } from '../job-request.js';
import type { JobRow, JobStage, SynthesisStore } from '../store.js';
import type { SynthesisProvider } from '../synthesis-provider.js';
import { chooseByConsensus, scenarioEquivalence, verifierEquivalence } from './choose-consensus.js';
import { gatherCandidates } from './gather-candidates.js';
import { type Handover, type HandoverDeps, HandoverFailed, handOver } from './hand-over.js';
import { candidateList, jobResult } from './job-result.js';

export interface RunJobDeps extends HandoverDeps {
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
  const request = JSON.parse(job.request) as JobRequest;
  const stage = async (name: JobStage, progress: number) => {
    const now = clock.now();
    const open = await store.updateOpen(job.id, {
      status: 'running',
      stage: name,
      progress: Math.round(progress * 1000) / 1000,
      owner: deps.owner,
      lease_until_ms: now + deps.leaseMs,
      updated_ms: now,
    });
    if (!open || signal.aborted) throw new Cancelled();
    // Stages may be CPU-bound (the builtin synthesizer, the checks): let requests and progress
    // streams in between.
    await new Promise((resolve) => setImmediate(resolve));
  };
  const fail = async (reason: string, result?: string): Promise<RunOutcome> => {
    await store.updateOpen(job.id, {
      status: 'failed',
      error: reason,
      owner: null,
      updated_ms: clock.now(),
      ...(result === undefined ? {} : { result }),
    });
    return 'failed';
  };
  try {
    await stage('constitution', 0.05);
    const version = await deps.constitution.activeVersion();
    if (version === undefined) return await fail('no constitution has been published');
    if (version.hash !== job.constitution_hash)
      return await fail(`the active constitution is ${version.hash}, not ${job.constitution_hash}`);
    const names = request.providers ?? [job.provider];
    const missing = names.filter((name) => !deps.providers.has(name));
    if (missing.length > 0) return await fail(`provider ${missing.join(', ')} is not configured`);
    const plan = names.flatMap((name) =>
      Array.from({ length: request.candidates ?? 1 }, () => deps.providers.get(name)!),
    );
    const outcomes = await gatherCandidates(
      {
        version,
        plan,
        focus: {
          ...(request.principles === undefined ? {} : { principles: request.principles }),
          ...(request.goal === undefined ? {} : { goal: request.goal }),
        },
        ...(deps.verifier === undefined ? {} : { verifier: deps.verifier }),
        jobId: job.id,
        onStep: (phase, k, n) =>
          phase === 'synthesis'
            ? stage('synthesis', 0.1 + (0.4 * k) / n)
            : stage('checking', 0.5 + (0.2 * k) / n),
      },
      signal,
    );
    const valid = outcomes.filter((o) => o.valid);
    if (valid.length === 0) {
      const first = outcomes[0]!;
      return await fail(
        first.problem ?? 'no valid candidate',
        JSON.stringify(
          first.candidate === undefined
            ? { candidates: candidateList(outcomes) }
            : jobResult(job, outcomes, first),
        ),
      );
    }
    let consensus: Awaited<ReturnType<typeof chooseByConsensus>> | undefined;
    if (valid.length > 1) {
      await stage('consensus', 0.75);
      consensus = await chooseByConsensus(
        valid.map((o) => ({ index: o.index, policies: o.candidate!.policies })),
        deps.verifier === undefined
          ? scenarioEquivalence(version)
          : verifierEquivalence(deps.verifier, version, `svc-gs job ${job.id} consensus`),
      );
    }
    const chosen = valid.find((o) => o.index === (consensus?.chosen ?? valid[0]!.index))!;
    await stage('handover', 0.9);
    const result = jobResult(job, outcomes, chosen, consensus);
    let handed: Handover;
    try {
      handed = await handOver(deps, job, request, result);
    } catch (error) {
      if (!(error instanceof HandoverFailed)) throw error;
      return await fail(error.message, JSON.stringify({ ...result, ...error.done }));
    }
    const done = await store.updateOpen(job.id, {
      status: 'succeeded',
      stage: 'done',
      progress: 1,
      result: JSON.stringify({ ...result, ...handed }),
      owner: null,
      updated_ms: clock.now(),
    });
    return done ? 'succeeded' : 'cancelled';
  } catch (error) {
    if (error instanceof Cancelled || signal.aborted) return 'cancelled';
    return fail(`the job failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

class Cancelled extends Error {}
