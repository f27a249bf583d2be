/**
 * Which operator runs adapts to which ones have produced improvements: probability matching
 * on each operator's record, weight (wins + 1) / (trials + 2) — a win being a child that scored
 * better than its parent on the training split. Drawn with the run's seeded generator; the
 * record is part of the run's stored state.
 */
import type { SeededRandom } from './seeded-random.js';

export type BanditState = Readonly<Record<string, { readonly trials: number; readonly wins: number }>>;

export function pickOperator(state: BanditState, operators: readonly string[], random: SeededRandom): string {
  const weights = operators.map((id) => {
    const record = state[id] ?? { trials: 0, wins: 0 };
    return (record.wins + 1) / (record.trials + 2);
  });
  return operators[random.weighted(weights)]!;
}

export function recordTrial(state: BanditState, operator: string, win: boolean): BanditState {
  const record = state[operator] ?? { trials: 0, wins: 0 };
  return { ...state, [operator]: { trials: record.trials + 1, wins: record.wins + (win ? 1 : 0) } };
}
