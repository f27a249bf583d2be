/** `acgs backup prune`: retention (30 days by default), never deleting the newest archive. */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from './backup-archive.js';
import { ARCHIVE_SUFFIX } from './backup-create.js';

export interface PruneResult {
  readonly kept: readonly string[];
  readonly deleted: readonly string[];
  /** Files named like archives that are not (left alone), with the reason. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

/**
 * Deletes archives in `dir` created more than `keepDays` days before `now`, by the creation time
 * in their manifests. The newest archive is always kept, so a backup job that stopped running
 * never leaves the platform with no backup at all.
 */
export async function pruneBackups(
  dir: string,
  keepDays: number,
  now: Date = new Date(),
): Promise<PruneResult> {
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const archives: { file: string; created: number }[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(ARCHIVE_SUFFIX)).sort()) {
    const file = join(dir, name);
    try {
      const { manifest } = await readManifest(file);
      const created = Date.parse(manifest.createdAt);
      if (Number.isNaN(created)) throw new Error(`createdAt ${JSON.stringify(manifest.createdAt)}`);
      archives.push({ file, created });
    } catch (error) {
      skipped.push({ file, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  archives.sort((a, b) => a.created - b.created);
  const newest = archives.at(-1);
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const archive of archives) {
    if (archive.created < cutoff && archive !== newest) {
      await rm(archive.file);
      deleted.push(archive.file);
    } else kept.push(archive.file);
  }
  return { kept, deleted, skipped };
}
