/**
 * Parent selection as in the Darwin Gödel Machine (Zhang et al., 2025, §3): each eligible
 * entry is drawn with probability proportional to
 *
 *     sigmoid(λ · (score − α₀)) × 1 / (1 + children)
 *
 * so good variants are favoured but ones already explored often give way to the less explored
 * (open-endedness). λ = 10 and α₀ = 0.5 are the paper's values; the score is measured from the
 * run's base (`selectionScore`).
 */
import { type ArchiveEntry, childCounts, mayBeParent } from './archive.js';
import type { SeededRandom } from './seeded-random.js';

export interface SelectionSettings {
  readonly lambda: number;
  readonly alpha0: number;
}

export const PAPER_SELECTION: SelectionSettings = Object.freeze({ lambda: 10, alpha0: 0.5 });

/** The selection weight of one entry. */
export function selectionWeight(score: number, children: number, settings: SelectionSettings): number {
  const sigmoid = 1 / (1 + Math.exp(-settings.lambda * (score - settings.alpha0)));
  return sigmoid / (1 + children);
}

/**
 * The score the formula sees: the share of the base's shortfall (from its training score to a
 * perfect 1) that an entry has closed — 0 for the base, 1 for a perfect set, negative below the
 * base. The paper's scores start near 0 (its initial agent solved 20 % of SWE-bench) so its
 * α₀ = 0.5 lies well above the start and the sigmoid separates good agents from poor ones; a
 * policy set starts where its base already is (60 % right, say), where raw scores of 0.6 and
 * 0.95 would get nearly the same weight (0.73 and 0.99) and selection would be a uniform walk
 * over an ever larger archive. Measured from the base, α₀ = 0.5 means halfway to perfect again.
 */
export function selectionScore(score: number, baseScore: number): number {
  return baseScore >= 1 ? score : (score - baseScore) / (1 - baseScore);
}

/** Draws a parent among the eligible entries (in archive order, so the draw is reproducible). */
export function selectParent(
  entries: readonly ArchiveEntry[],
  random: SeededRandom,
  settings: SelectionSettings,
): ArchiveEntry | undefined {
  const eligible = entries.filter(mayBeParent);
  if (eligible.length === 0) return undefined;
  const children = childCounts(entries);
  const base = entries[0]?.training?.score ?? 0;
  const weights = eligible.map((e) =>
    selectionWeight(selectionScore(e.training!.score, base), children.get(e.id) ?? 0, settings),
  );
  return eligible[random.weighted(weights)];
}
