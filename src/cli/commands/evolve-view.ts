/**
 * What `acgs evolve` prints: a progress bar and the lineage as a tree. Pure, so both are tested
 * without a platform.
 */

/** One archive entry as the lineage export gives it (the fields the tree needs). */
export interface LineageEntry {
  readonly id: string;
  readonly parentId: string | null;
  readonly operator: string | null;
  readonly note: string;
  readonly status: string;
  readonly training?: { readonly correct: number; readonly total: number; readonly score: number };
}

/** `[##########..........]  150/300  50 %` */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} ${Math.round(share * 100)} %`;
}

const SHOWN = new Set(['admissible', 'unverified']);

/**
 * The archive's tree of variants that may be parents (admissible or unverified), each with its
 * operator, scores and change; the best admissible variant's path from the base is marked `*`.
 */
export function lineageTree(entries: readonly LineageEntry[], bestId: string | undefined): string[] {
  const byParent = new Map<string, LineageEntry[]>();
  for (const e of entries)
    if (e.parentId !== null && SHOWN.has(e.status))
      byParent.set(e.parentId, [...(byParent.get(e.parentId) ?? []), e]);
  const onPath = new Set<string>();
  const byId = new Map(entries.map((e) => [e.id, e]));
  for (let at = bestId === undefined ? undefined : byId.get(bestId); at !== undefined; ) {
    onPath.add(at.id);
    at = at.parentId === null ? undefined : byId.get(at.parentId);
  }
  const lines: string[] = [];
  const walk = (entry: LineageEntry, prefix: string, last: boolean, root: boolean) => {
    const mark = onPath.has(entry.id) ? '*' : ' ';
    const scores =
      entry.training === undefined
        ? ''
        : ` ${entry.training.correct}/${entry.training.total} ${entry.training.score.toFixed(3)}`;
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    lines.push(
      `${mark} ${prefix}${branch}${entry.id} [${entry.status}]${scores}  ${entry.operator ?? ''} ${entry.note}`.trimEnd(),
    );
    const children = byParent.get(entry.id) ?? [];
    for (const [i, child] of children.entries())
      walk(child, root ? '' : `${prefix}${last ? '   ' : '│  '}`, i === children.length - 1, false);
  };
  const base = entries.find((e) => e.parentId === null);
  if (base !== undefined) walk(base, '', true, true);
  return lines;
}
