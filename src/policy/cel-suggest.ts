/**
 * "Did you mean" for names a condition gets wrong: the closest known name by edit distance, when
 * it is close enough to be a slip (at most a third of the name's length, and at most 3 edits).
 */

/** Levenshtein distance, case-insensitive (a slip of case is a slip too). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[y.length]!;
}

/** ` — did you mean 'x'?` for the closest of `known` to `name`, or '' when none is close. */
export function didYouMean(name: string, known: Iterable<string>, prefix = ''): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return best !== undefined && bestDistance <= allowed ? ` — did you mean '${prefix}${best}'?` : '';
}
