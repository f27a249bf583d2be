/**
 * The archive: every variant the search made, with its parent, the operator and what it
 * changed, its scores, its verification and how far it got. Nothing is ever removed (the
 * Darwin Gödel Machine keeps stepping stones); the statuses say which entries may be parents
 * (`admissible`, `unverified`) and which may be proposed (`admissible` only). Entries hold no
 * wall-clock time, so two runs with the same seed have the same archive, byte for byte.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../kernel/canonical-json.js';
import type { SplitScores } from '../evaluation/variant-evaluator.js';
import type { TrainingFailure } from './operator.js';
import type { VariantPolicies } from './variant-policies.js';

export type VariantStatus =
  /** Proved by the formal verifier to satisfy every invariant. */
  | 'admissible'
  /** The verifier found a violated (or unprovable) invariant: never a parent, never proposed. */
  | 'inadmissible'
  /** Fully evaluated, not among the best, so not verified (yet): may be a parent, never proposed. */
  | 'unverified'
  /**
   * Decides every training scenario exactly as its parent does: recorded, never a parent (a change
   * the suites cannot see is drift, and what it changes may be what the held-out split needs).
   */
  | 'neutral'
  /**
   * Gets fewer training scenarios right than its parent: recorded, never a parent (the paper keeps
   * only children that still work; for a policy set, still working means losing no ground).
   */
  | 'regressed'
  /** Did worse than its parent on the cheap sample; not evaluated further. */
  | 'rejected-sample'
  /** Not a valid policy set (does not parse, type-check or validate). */
  | 'invalid'
  /** The same policy set as an earlier entry. */
  | 'duplicate';

export interface VerificationOutcome {
  readonly status: 'proved' | 'violated' | 'unknown';
  readonly violated: readonly string[];
  readonly unknown: readonly string[];
}

export interface ArchiveEntry {
  /** `v<iteration>`; the base is `v0`. */
  readonly id: string;
  readonly iteration: number;
  readonly parentId: string | null;
  readonly operator: string | null;
  readonly note: string;
  readonly status: VariantStatus;
  /** The bundle id of its policies (null when they are invalid). */
  readonly bundleId: string | null;
  readonly policies: VariantPolicies | readonly unknown[];
  readonly sample?: SplitScores;
  readonly training?: SplitScores;
  /** Training scenarios it decides wrongly (training split only). */
  readonly failures: readonly TrainingFailure[];
  readonly verification?: VerificationOutcome;
  readonly duplicateOf?: string;
}

/** SHA-256 over the canonical JSON of the entries, in order. */
export function archiveHash(entries: readonly ArchiveEntry[]): string {
  return createHash('sha256').update(canonicalJson(entries)).digest('hex');
}

export function mayBeParent(entry: ArchiveEntry): boolean {
  return (entry.status === 'admissible' || entry.status === 'unverified') && entry.training !== undefined;
}

/**
 * Children per entry id that are themselves eligible parents — the paper counts the children
 * that kept their functionality, so a parent whose children all regressed stays attractive.
 */
export function childCounts(entries: readonly ArchiveEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries)
    if (e.parentId !== null && mayBeParent(e)) counts.set(e.parentId, (counts.get(e.parentId) ?? 0) + 1);
  return counts;
}

/** The best admissible entry: highest training score, the earliest among equals. */
export function bestAdmissible(entries: readonly ArchiveEntry[]): ArchiveEntry | undefined {
  let best: ArchiveEntry | undefined;
  for (const e of entries)
    if (e.status === 'admissible' && (best === undefined || e.training!.score > best.training!.score))
      best = e;
  return best;
}

/** The lineage of an entry, from the base to it. */
export function lineageOf(entries: readonly ArchiveEntry[], id: string): ArchiveEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const chain: ArchiveEntry[] = [];
  for (let at = byId.get(id); at !== undefined; at = at.parentId === null ? undefined : byId.get(at.parentId))
    chain.unshift(at);
  return chain;
}
