/**
 * Parent selection as in the Darwin Gödel Machine (Zhang et al., 2025, §3): each eligible
 * entry is drawn with probability proportional to
 *
 *     sigmoid(λ · (score − α₀)) × 1 / (1 + children)
 *
 * so good variants are favoured but ones already explored often give way to the less explored
 * (open-endedness). λ = 10 and α₀ = 0.5 are the paper's values.
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

/** Draws a parent among the eligible entries (in archive order, so the draw is reproducible). */
export function selectParent(
  entries: readonly ArchiveEntry[],
  random: SeededRandom,
  settings: SelectionSettings,
): ArchiveEntry | undefined {
  const eligible = entries.filter(mayBeParent);
  if (eligible.length === 0) return undefined;
  const children = childCounts(entries);
  const weights = eligible.map((e) => selectionWeight(e.training!.score, children.get(e.id) ?? 0, settings));
  return eligible[random.weighted(weights)];
}
