/**
 * The search loop, one iteration at a time: select a parent, let the bandit pick an operator,
 * mutate, and evaluate in stages — the cheap sample first (a child clearly worse than its
 * parent there — fewer scenarios right — stops), the full training split next (a child that
 * decides a training scenario as an invariant forbids is inadmissible there, with that scenario
 * as its counterexample), and the formal verifier only for a child that would enter the
 * archive's top. Every iteration's outcome is an archive entry and a new
 * state (generator, bandit, iteration), handed to `checkpoint` before the next begins, so a run
 * resumed from its last checkpoint continues exactly as it would have.
 */
import type { AdmissibilityGate } from '../evaluation/admissibility-gate.js';
import type { SplitScores, VariantEvaluator } from '../evaluation/variant-evaluator.js';
import type { ArchiveEntry, VerificationOutcome } from './archive.js';
import type { MutationMaterial } from './mutation-material.js';
import type { Mutation, MutationOperator, TrainingFailure } from './operator.js';
import { type BanditState, pickOperator, recordTrial } from './operator-bandit.js';
import { type SelectionSettings, selectParent } from './parent-selection.js';
import { type RandomState, SeededRandom } from './seeded-random.js';
import { type VariantPolicies, variantBundleId } from './variant-policies.js';

export interface SearchSettings extends SelectionSettings {
  /** Iterations in all (the base is iteration 0). */
  readonly iterations: number;
  /** How many of the best admissible entries form the archive's top (default 1). */
  readonly topK: number;
  /** A child that gets more than this many fewer sample scenarios right than its parent stops there. */
  readonly sampleMargin: number;
}

export const DEFAULT_SEARCH: Omit<SearchSettings, 'iterations'> = Object.freeze({
  lambda: 10,
  alpha0: 0.5,
  topK: 1,
  sampleMargin: 0,
});

export interface SearchState {
  /** Iterations done (0 after the base). */
  readonly iteration: number;
  readonly random: RandomState;
  readonly bandit: BanditState;
  readonly entries: readonly ArchiveEntry[];
}

export interface SearchDeps {
  readonly constitutionHash: string;
  readonly evaluator: VariantEvaluator;
  readonly admissibility: AdmissibilityGate;
  readonly material: MutationMaterial;
  readonly operators: readonly MutationOperator[];
  /** Called with the state after each iteration, before the next starts (store it to resume). */
  readonly checkpoint?: (state: SearchState, entry: ArchiveEntry | undefined) => Promise<void>;
  /** Checked before each iteration: stop (cancelled, out of time, shutting down). */
  readonly shouldStop?: () => boolean;
}

/** The base as entry v0: evaluated and verified; the state a run starts from. */
export async function startSearch(
  deps: SearchDeps,
  base: readonly unknown[],
  seed: number,
): Promise<SearchState> {
  const entry = await evaluateChild(
    deps,
    [],
    { policies: base, note: 'the base policy set' },
    undefined,
    0,
    true,
  );
  return { iteration: 0, random: SeededRandom.fromSeed(seed).state(), bandit: {}, entries: [entry] };
}

/** Runs iterations until `settings.iterations` are done or `shouldStop` says so. */
export async function continueSearch(
  deps: SearchDeps,
  state: SearchState,
  settings: SearchSettings,
): Promise<SearchState> {
  let current = state;
  while (current.iteration < settings.iterations && !(deps.shouldStop?.() ?? false)) {
    current = await searchStep(deps, current, settings);
  }
  return current;
}

/** One iteration. */
export async function searchStep(
  deps: SearchDeps,
  state: SearchState,
  settings: SearchSettings,
): Promise<SearchState> {
  const random = SeededRandom.fromState(state.random);
  const iteration = state.iteration + 1;
  const parent = selectParent(state.entries, random, settings);
  let bandit = state.bandit;
  let entry: ArchiveEntry | undefined;
  if (parent !== undefined) {
    const drawn = await mutate(deps, parent, random, bandit, iteration);
    if (drawn !== undefined) {
      entry = await evaluateChild(
        deps,
        state.entries,
        drawn.mutation,
        { parent, operator: drawn.operator, settings },
        iteration,
        false,
      );
      // An improvement is more scenarios right: a bandit paid for ties would favour neutral drift.
      const win = entry.training !== undefined && entry.training.correct > parent.training!.correct;
      bandit = recordTrial(bandit, drawn.operator, win);
    }
  }
  const next: SearchState = {
    iteration,
    random: random.state(),
    bandit,
    entries: entry === undefined ? state.entries : [...state.entries, entry],
  };
  await deps.checkpoint?.(next, entry);
  return next;
}

/** Draws operators until one applies to the parent (at most eight draws). */
async function mutate(
  deps: SearchDeps,
  parent: ArchiveEntry,
  random: SeededRandom,
  bandit: BanditState,
  iteration: number,
): Promise<{ operator: string; mutation: Mutation } | undefined> {
  const ids = deps.operators.map((o) => o.id);
  for (let attempt = 0; attempt < 8; attempt++) {
    const id = pickOperator(bandit, ids, random);
    const operator = deps.operators.find((o) => o.id === id)!;
    const mutation = await operator.apply({
      policies: parent.policies as VariantPolicies,
      failures: parent.failures,
      material: deps.material,
      random,
      iteration,
      constitutionHash: deps.constitutionHash,
    });
    if (mutation !== undefined) return { operator: id, mutation };
  }
  return undefined;
}

interface Lineage {
  readonly parent: ArchiveEntry;
  readonly operator: string;
  readonly settings: SearchSettings;
}

async function evaluateChild(
  deps: SearchDeps,
  entries: readonly ArchiveEntry[],
  mutation: Mutation,
  lineage: Lineage | undefined,
  iteration: number,
  verifyAlways: boolean,
): Promise<ArchiveEntry> {
  const head = {
    id: `v${iteration}`,
    iteration,
    parentId: lineage?.parent.id ?? null,
    operator: lineage?.operator ?? null,
    note: mutation.note,
  };
  const compiled = deps.evaluator.compile(mutation.policies);
  if (!compiled.ok)
    return {
      ...head,
      note: `${mutation.note} (invalid: ${compiled.problems[0]})`,
      status: 'invalid',
      bundleId: null,
      policies: mutation.policies,
      failures: [],
    };
  const bundleId = variantBundleId(compiled.policies, deps.constitutionHash);
  const body = { ...head, bundleId, policies: compiled.policies };
  const twin = entries.find((e) => e.bundleId === bundleId);
  if (twin !== undefined) return { ...body, status: 'duplicate', duplicateOf: twin.id, failures: [] };
  const sample = deps.evaluator.evaluate(compiled.engine, 'sample').scores;
  if (
    lineage !== undefined &&
    sample.correct < lineage.parent.sample!.correct - lineage.settings.sampleMargin
  )
    return { ...body, status: 'rejected-sample', sample, failures: [] };
  const training = deps.evaluator.evaluate(compiled.engine, 'training');
  if (lineage !== undefined && sameDecisions(training.failures, lineage.parent.failures))
    return { ...body, status: 'neutral', sample, training: training.scores, failures: training.failures };
  if (lineage !== undefined && training.scores.correct < lineage.parent.training!.correct)
    return { ...body, status: 'regressed', sample, training: training.scores, failures: training.failures };
  // A training scenario decided as an invariant forbids is a counterexample already: no proof can
  // follow, and a parent that carries it would hand it to every descendant.
  if (lineage !== undefined && training.breached.length > 0)
    return {
      ...body,
      note: `${mutation.note} (breaks ${training.breached.join(', ')} on the training split)`,
      status: 'inadmissible',
      sample,
      training: training.scores,
      failures: training.failures,
      verification: { status: 'violated', violated: training.breached, unknown: [] },
    };
  const top = lineage === undefined ? true : entersTop(entries, training.scores, lineage.settings.topK);
  if (!verifyAlways && !top)
    return { ...body, status: 'unverified', sample, training: training.scores, failures: training.failures };
  const verification: VerificationOutcome = await deps.admissibility.check(bundleId, compiled.policies);
  return {
    ...body,
    status: verification.status === 'proved' ? 'admissible' : 'inadmissible',
    sample,
    training: training.scores,
    failures: training.failures,
    verification,
  };
}

/** Whether two variants decide every training scenario alike (the same scenarios wrongly, the same way). */
function sameDecisions(a: readonly TrainingFailure[], b: readonly TrainingFailure[]): boolean {
  return a.length === b.length && a.every((f, i) => f.key === b[i]!.key && f.got === b[i]!.got);
}

/** Whether a training score would place a variant among the `topK` best admissible entries. */
function entersTop(entries: readonly ArchiveEntry[], scores: SplitScores, topK: number): boolean {
  const best = entries
    .filter((e) => e.status === 'admissible')
    .map((e) => e.training!.score)
    .sort((a, b) => b - a);
  return best.length < topK || scores.score > best[topK - 1]!;
}
