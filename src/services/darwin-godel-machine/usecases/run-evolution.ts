/**
 * One evolution run from its claim to its end (or to the next stop): rebuilds the evaluator
 * and the material from the run's request and the constitution version it names, continues the
 * search from the state stored after the last finished iteration (or starts it), stores every
 * iteration before the next begins, and at the end reports the best admissible variant with its
 * held-out scores and, when asked, proposes it to the council. A restart resumes exactly where
 * the stopped process left off, so the archive is the one an uninterrupted run would make.
 */
import type { Clock } from '../../../kernel/clock.js';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { CouncilContract } from '../../../kernel/contracts/council.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import { AdmissibilityGate } from '../evaluation/admissibility-gate.js';
import { VariantEvaluator } from '../evaluation/variant-evaluator.js';
import { archiveHash, bestAdmissible } from '../search/archive.js';
import { continueSearch, DEFAULT_SEARCH, type SearchState, startSearch } from '../search/evolution-search.js';
import { buildMutationMaterial } from '../search/mutation-material.js';
import type { MutationOperator } from '../search/operator.js';
import type { EvolutionStore, RunRow, StoredState } from '../store.js';
import { proposeVariant } from './propose-variant.js';

/** What `POST /api/v1/evolution/runs` asks for (stored as the run's request). */
export interface RunRequest {
  readonly base: { readonly policies: readonly unknown[] };
  readonly seed: number;
  readonly iterations: number;
  /** Wall-clock budget; a run stopped by it reports `budget` (its archive is a prefix of the seed's). */
  readonly timeBudgetMs?: number;
  readonly lambda?: number;
  readonly alpha0?: number;
  /** Propose the best admissible variant to the council at the end (default true). */
  readonly propose?: boolean;
}

export interface RunDeps {
  readonly store: EvolutionStore;
  readonly constitution: ConstitutionContract;
  readonly verifier: VerificationContract;
  readonly council?: Pick<CouncilContract, 'proposeVariantAdoption'>;
  readonly operators: readonly MutationOperator[];
  readonly clock: Clock;
  readonly owner: string;
  readonly leaseMs: number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'stopped';

export async function runEvolution(deps: RunDeps, run: RunRow, signal: AbortSignal): Promise<RunOutcome> {
  const request = JSON.parse(run.request) as RunRequest;
  const fail = async (reason: string): Promise<RunOutcome> => {
    await deps.store.updateOpen(run.id, {
      status: 'failed',
      error: reason,
      owner: null,
      updated_ms: deps.clock.now(),
    });
    return 'failed';
  };
  const version = await deps.constitution.activeVersion();
  if (version === undefined || version.hash !== run.constitution_hash)
    return fail(`constitution ${run.constitution_hash.slice(0, 16)} is no longer the active version`);
  const evaluator = new VariantEvaluator(version.document, request.base.policies);
  const base = evaluator.compile(request.base.policies);
  if (!base.ok) return fail(`the base policy set is not valid: ${base.problems[0]}`);
  const admissibility = new AdmissibilityGate(deps.verifier, version, 'svc-dgm');
  const settings = {
    ...DEFAULT_SEARCH,
    iterations: request.iterations,
    ...(request.lambda === undefined ? {} : { lambda: request.lambda }),
    ...(request.alpha0 === undefined ? {} : { alpha0: request.alpha0 }),
  };
  const started = deps.clock.now();
  let budget = false;
  let finished = false;
  const search = {
    constitutionHash: version.hash,
    evaluator,
    admissibility,
    material: buildMutationMaterial(version.document, base.policies, evaluator.suites.training),
    operators: deps.operators,
    shouldStop: () => {
      if (signal.aborted || finished) return true;
      budget = request.timeBudgetMs !== undefined && deps.clock.now() - started > request.timeBudgetMs;
      return budget;
    },
    checkpoint: async (state: SearchState, entry: SearchState['entries'][number] | undefined) => {
      const now = deps.clock.now();
      const open = await deps.store.checkpoint(run.id, storedState(state), entry, {
        status: 'running',
        progress: state.iteration / Math.max(1, request.iterations),
        owner: deps.owner,
        lease_until_ms: now + deps.leaseMs,
        updated_ms: now,
      });
      if (!open) finished = true;
    },
  };
  let state = await resumeState(deps.store, run, admissibility);
  if (state === undefined) {
    state = await startSearch(search, request.base.policies, request.seed);
    await search.checkpoint(state, state.entries[0]);
  }
  state = await continueSearch(search, state, settings);
  if (finished) return 'cancelled';
  if (signal.aborted) return 'stopped';
  const best = bestAdmissible(state.entries);
  const heldOut = (policies: readonly unknown[]) => {
    const compiled = evaluator.compile(policies);
    return compiled.ok ? evaluator.heldOut(compiled.engine) : undefined;
  };
  let proposal: { proposalId?: string; bundleId?: string; error?: string } | undefined;
  const improved =
    best !== undefined && best.id !== 'v0' && best.training!.score > state.entries[0]!.training!.score;
  if (improved && request.propose !== false && deps.council !== undefined)
    proposal = await proposeVariant(deps.council, run.id, state.entries, best.id).catch((error: unknown) => ({
      error: error instanceof Error ? error.message : String(error),
    }));
  const result = {
    iterations: state.iteration,
    stoppedBy: budget ? 'budget' : 'iterations',
    archiveHash: archiveHash(state.entries),
    suites: evaluator.suites.hashes,
    base: { training: state.entries[0]!.training, heldOut: heldOut(request.base.policies) },
    ...(best === undefined
      ? {}
      : {
          best: {
            id: best.id,
            bundleId: best.bundleId,
            training: best.training,
            heldOut: heldOut(best.policies as unknown[]),
          },
        }),
    ...(proposal === undefined ? {} : { proposal }),
  };
  const done = await deps.store.updateOpen(run.id, {
    status: 'succeeded',
    progress: 1,
    result: JSON.stringify(result),
    owner: null,
    updated_ms: deps.clock.now(),
  });
  return done ? 'succeeded' : 'cancelled';
}

function storedState(state: SearchState): StoredState {
  return { iteration: state.iteration, random: state.random, bandit: state.bandit };
}

/** The state after the last stored iteration, with the verifications it already holds, or undefined. */
async function resumeState(
  store: EvolutionStore,
  run: RunRow,
  admissibility: AdmissibilityGate,
): Promise<SearchState | undefined> {
  if (run.state === null) return undefined;
  const stored = JSON.parse(run.state) as StoredState;
  const entries = await store.entries(run.id);
  for (const e of entries)
    if (e.bundleId !== null && e.verification !== undefined && e.verification.status !== 'unknown')
      admissibility.remember(e.bundleId, e.verification);
  return { ...stored, entries };
}
