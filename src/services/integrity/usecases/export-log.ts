import {
  CompactRange,
  formatExportCheckpoint,
  formatExportEntry,
  formatExportHeader,
  hashEquals,
  hashLeaf,
  nodeKey,
  toHex,
} from '../../../merkle/index.js';
import { integrityErrors } from '../errors.js';
import type { LogStore, StoredCheckpoint } from '../log-store.js';

/** A place where the stored log disagrees with itself (found while exporting). */
export interface StoreProblem {
  /** The lowest entry index the problem concerns. */
  readonly index: number;
  readonly message: string;
}

export interface ExportSummary {
  readonly origin: string;
  readonly entries: number;
  readonly checkpoints: number;
  /** Stored leaf or node hashes that do not match the stored entries (a damaged or edited store). */
  readonly problems: readonly StoreProblem[];
}

const PAGE = 5000;

/**
 * An entry line with the hashes the log stored for it: `leafHash` (level 0) and `nodes`, the
 * complete subtrees this leaf completed, level 1 upwards (docs/log-format.md §5). Verifiers that
 * only check entries against checkpoints ignore them; `acgs log verify` uses them to name the exact
 * entry that changed, and `--stored-hashes` checks every one.
 */
export function entryLine(
  index: number,
  entry: string,
  leafHash: Uint8Array,
  nodes: readonly Uint8Array[],
): string {
  const base = formatExportEntry(index, entry);
  const extra = nodes.length === 0 ? '' : `,"nodes":[${nodes.map((n) => `"${toHex(n)}"`).join(',')}]`;
  return `${base.slice(0, -2)},"leafHash":"${toHex(leafHash)}"${extra}}\n`;
}

/** The stored nodes completed by `leaf`, level 1 upwards, as far as they are stored. */
function completedBy(leaf: number, stored: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let level = 1, width = 2; (leaf + 1) % width === 0; level++, width *= 2) {
    const hash = stored.get(nodeKey({ level, index: (leaf + 1) / width - 1 }));
    if (hash === undefined) break;
    out.push(hash);
  }
  return out;
}
const CHECKPOINT_PAGE = 1000;
const MAX_PROBLEMS = 100;

/**
 * Streams the log as an export (docs/log-format.md §5): the header, then entries 0 … n−1 with every
 * stored checkpoint right after its last entry, ending at the latest checkpoint (entries after it
 * are not yet signed and are left for the next export). Memory is constant: pages of entries and
 * checkpoints, and the frontier.
 *
 * The export is a faithful copy of what is stored. While streaming, it also recomputes every leaf
 * and node hash from the entries and compares them with the stored ones, so an edited entry, leaf
 * hash or node hash in the database is reported by index even before anyone verifies the file.
 */
export async function exportLog(
  store: LogStore,
  write: (chunk: string) => Promise<void>,
  options: { readonly storedHashes?: boolean } = {},
): Promise<ExportSummary> {
  const withStored = options.storedHashes ?? true;
  const origin = await store.meta('origin');
  if (origin === undefined) {
    throw integrityErrors.create(
      'LOG_NO_CHECKPOINT',
      'this database holds no log (the service never ran on it)',
    );
  }
  const latest = await store.latestCheckpoint();
  const size = latest?.size ?? 0;
  await write(formatExportHeader(origin, await store.knownKeys()));

  const problems: StoreProblem[] = [];
  const report = (problem: StoreProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  let checkpoints = 0;
  let queue: StoredCheckpoint[] = [];
  let nextCheckpointFrom = 0;
  const loadCheckpoints = async () => {
    queue = await store.checkpoints(nextCheckpointFrom, size, CHECKPOINT_PAGE);
    const last = queue[queue.length - 1];
    nextCheckpointFrom = last === undefined ? size + 1 : last.size + 1;
  };
  await loadCheckpoints();
  // Writes every checkpoint whose size is `count` (the entries written so far).
  const flushCheckpoints = async (count: number, out: string[]) => {
    for (;;) {
      if (queue.length === 0 && nextCheckpointFrom <= count) await loadCheckpoints();
      const head = queue[0];
      if (head === undefined || head.size > count) return;
      queue.shift();
      out.push(formatExportCheckpoint(head.note));
      checkpoints++;
    }
  };

  const range = CompactRange.empty();
  const first: string[] = [];
  await flushCheckpoints(0, first);
  if (first.length > 0) await write(first.join(''));
  for (let start = 0; start < size; start += PAGE) {
    const end = Math.min(size, start + PAGE);
    const [rows, stored] = await Promise.all([store.entries(start, end), store.nodesCompletedIn(start, end)]);
    const storedNodes = new Map(stored.map((n) => [nodeKey(n.id), n.hash]));
    const out: string[] = [];
    let expected = start;
    for (const row of rows) {
      if (row.index !== expected) {
        report({ index: expected, message: `entry ${expected} is missing from the store` });
        throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `entry ${expected} is missing from the store`);
      }
      const leaf = hashLeaf(row.entry);
      if (!hashEquals(leaf, row.leafHash)) {
        report({
          index: row.index,
          message: `entry ${row.index}: its text hashes to ${toHex(leaf)} but the stored leaf hash is ${toHex(row.leafHash)}`,
        });
      }
      range.append(leaf, (id, hash) => {
        if (id.level === 0) return;
        const kept = storedNodes.get(nodeKey(id));
        if (kept === undefined || !hashEquals(kept, hash)) {
          const first = id.index * 2 ** id.level;
          report({
            index: first,
            message: `stored node (level ${id.level}, index ${id.index}) over entries [${first}, ${first + 2 ** id.level}) ${kept === undefined ? 'is missing' : 'does not match the entries'}`,
          });
        }
      });
      out.push(
        withStored
          ? entryLine(row.index, row.entry, row.leafHash, completedBy(row.index, storedNodes))
          : formatExportEntry(row.index, row.entry),
      );
      expected++;
      const due = queue.length === 0 ? nextCheckpointFrom <= expected : queue[0]!.size <= expected;
      if (due) await flushCheckpoints(expected, out);
    }
    if (expected !== end) {
      throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `entry ${expected} is missing from the store`);
    }
    await write(out.join(''));
  }
  return { origin, entries: size, checkpoints, problems };
}
