/**
 * `acgs log verify <file> --key <vkey|file>`: checks an export offline (docs/log-format.md §6) with
 * the streaming verifier: constant memory, the tree recomputed from the entries, every checkpoint's
 * signature and root checked. Exit 0 when it verifies, 1 when it does not, 2 for usage errors.
 *
 * Entry lines written by `acgs log export` also carry the hashes the log stored (`leafHash`,
 * `nodes`). They are not trusted: when a checkpoint's root does not match, a second pass over that
 * checkpoint's entries finds the first entry whose text no longer hashes to its stored leaf hash
 * (the stored hashes are what the signed root was computed from), so the report names the exact
 * entry. `--stored-hashes` checks every stored hash against the entries in the first pass too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PlatformError } from '../../kernel/errors.js';
import {
  CompactRange,
  hashLeaf,
  type NoteVerifierKey,
  parseVerifierKey,
  StreamVerifier,
  toHex,
  type VerifyReport,
} from '../../merkle/index.js';
import { type EntryLineParts, parseEntryLine, STORED_MEMBER, utf8Slice } from './log-verify-lines.js';
import { defaultThreads, feedFileThreaded } from './log-verify-threads.js';
import type { CommandIo } from './policy.js';

export interface VerifyOptions {
  readonly key?: readonly string[];
  readonly origin?: string;
  readonly json?: boolean;
  readonly storedHashes?: boolean;
  /** Worker threads for the per-entry work (0: none); from `--threads`. */
  readonly threads?: string | number;
}

/** Where a stored hash disagrees with the entries (found by the second pass or `--stored-hashes`). */
export interface StoredHashMismatch {
  readonly index: number;
  readonly message: string;
}

export interface ExportVerification {
  readonly report: VerifyReport;
  /** The first entry whose text or stored hashes disagree, when one was looked for and found. */
  readonly mismatch: StoredHashMismatch | undefined;
}

/**
 * Trusted keys from `--key` values: a vkey itself, or a file holding vkeys one per line, or the JSON
 * the log's public-key route answers (`{ "keys": [...], "allKeys": [...] }`).
 */
export function loadTrustedKeys(values: readonly string[]): NoteVerifierKey[] {
  const keys: NoteVerifierKey[] = [];
  for (const value of values) {
    if (!existsSync(value)) {
      keys.push(parseVerifierKey(value.trim()));
      continue;
    }
    const text = readFileSync(value, 'utf8').trim();
    let vkeys: string[];
    if (text.startsWith('{')) {
      const json = JSON.parse(text) as { keys?: unknown; allKeys?: unknown };
      const list = Array.isArray(json.allKeys) ? json.allKeys : json.keys;
      vkeys = Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
    } else {
      vkeys = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('#'));
    }
    if (vkeys.length === 0) throw new Error(`${value} holds no verifier key`);
    keys.push(...vkeys.map(parseVerifierKey));
  }
  return keys;
}

/**
 * Calls `onLine` for every line of a file, cutting at newline bytes in 1 MiB chunks (a newline byte
 * never occurs inside a multi-byte UTF-8 character) and decoding line by line: readline, or decoding
 * whole chunks first, costs more than the hashing.
 */
export async function forEachLine(file: string, onLine: (line: string) => void): Promise<void> {
  const handle = await open(file, 'r');
  try {
    // One buffer, reused: the unfinished last line of a read is moved to its front.
    let buffer = Buffer.allocUnsafe(1 << 20);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        const grown = Buffer.allocUnsafe(buffer.length * 2); // a line longer than the buffer
        buffer.copy(grown, 0, 0, filled);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      const end = filled + bytesRead;
      let start = 0;
      for (let nl = buffer.indexOf(0x0a, filled); nl !== -1 && nl < end; nl = buffer.indexOf(0x0a, start)) {
        onLine(utf8Slice.call(buffer, start, nl));
        start = nl + 1;
        if (start >= end) break;
      }
      buffer.copy(buffer, 0, start, end);
      filled = end - start;
    }
    if (filled > 0) onLine(utf8Slice.call(buffer, 0, filled));
  } finally {
    await handle.close();
  }
}

const PARTS: EntryLineParts = { index: 0, entry: '' };

/**
 * Feeds one line to the verifier: entry lines in either fast form (log-verify-lines.ts) are parsed
 * here, without the stored-hash members, and fed as entries; anything else goes through the
 * verifier's own line parser. True when the line was an entry line in a fast form.
 */
function feedLine(verifier: StreamVerifier, line: string): boolean {
  if (!parseEntryLine(line, PARTS)) {
    verifier.line(line);
    return false;
  }
  verifier.line(''); // keeps the verifier's line numbers right (blank lines are skipped)
  verifier.entry(PARTS.index, PARTS.entry);
  return true;
}

interface EntryWithStored {
  readonly index: number;
  readonly entry: string;
  readonly leafHash: string;
  readonly nodes: readonly string[];
}

function parseStoredEntryLine(line: string): EntryWithStored | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (value.kind !== 'entry' || typeof value.index !== 'number' || typeof value.entry !== 'string')
      return undefined;
    if (typeof value.leafHash !== 'string') return undefined;
    const nodes = Array.isArray(value.nodes)
      ? value.nodes.filter((n): n is string => typeof n === 'string')
      : [];
    return { index: value.index, entry: value.entry, leafHash: value.leafHash, nodes };
  } catch {
    return undefined;
  }
}

/** Checks one entry's stored hashes against a tree recomputed from the entries. */
function storedProblem(range: CompactRange, line: EntryWithStored): string | undefined {
  const leaf = hashLeaf(line.entry);
  let problem: string | undefined;
  if (toHex(leaf) !== line.leafHash)
    problem = `entry ${line.index}: its text hashes to ${toHex(leaf)}, the log stored ${line.leafHash}`;
  range.append(leaf, (id, hash) => {
    if (problem !== undefined || id.level === 0) return;
    const stored = line.nodes[id.level - 1];
    if (stored !== undefined && stored !== toHex(hash))
      problem = `entry ${line.index}: the stored node (level ${id.level}, index ${id.index}) does not match the entries`;
  });
  return problem;
}

/** Options of verifyExportFile. */
export interface VerifyFileOptions {
  readonly origin?: string;
  readonly storedHashes?: boolean;
  /** Worker threads for the per-entry work; 0 keeps it all on this thread. Default: defaultThreads(). */
  readonly threads?: number;
  /** Files smaller than this are verified on this thread, where starting workers would cost more. */
  readonly threadMinBytes?: number;
  /** Bytes per block handed to a worker (default BLOCK_BYTES); tests make it small. */
  readonly threadBlockBytes?: number;
}

/** About 50,000 entry lines: below this, starting workers costs more than they save. */
export const THREADED_MIN_BYTES = 16 << 20;

/**
 * Verifies an export file (constant memory). With `storedHashes`, every stored hash is checked in the
 * same pass; otherwise they are read only to name the exact entry behind a root mismatch.
 */
export async function verifyExportFile(
  file: string,
  keys: readonly NoteVerifierKey[],
  options: VerifyFileOptions = {},
): Promise<ExportVerification> {
  const verifier = new StreamVerifier(
    options.origin === undefined ? { keys } : { keys, origin: options.origin },
  );
  let mismatch: StoredHashMismatch | undefined;
  const range = options.storedHashes ? CompactRange.empty() : undefined;
  const threads = options.threads ?? defaultThreads();
  // --stored-hashes recomputes every node beside the verifier's tree; it stays on this thread.
  if (
    threads > 0 &&
    range === undefined &&
    statSync(file).size >= (options.threadMinBytes ?? THREADED_MIN_BYTES)
  ) {
    await feedFileThreaded(
      file,
      verifier,
      (line) => feedLine(verifier, line),
      threads,
      options.threadBlockBytes,
    );
  } else
    await forEachLine(file, (line) => {
      if (!feedLine(verifier, line) || range === undefined) return;
      const parsed = parseStoredEntryLine(line);
      if (parsed === undefined || parsed.index !== range.size) return; // the verifier reports those
      const problem = storedProblem(range, parsed);
      if (problem !== undefined && mismatch === undefined)
        mismatch = { index: parsed.index, message: problem };
    });
  const report = verifier.finish();
  if (mismatch === undefined && !report.ok) mismatch = await locateChange(file, report);
  return { report, mismatch };
}

/**
 * Second pass after a root mismatch between the last good checkpoint (size g) and a bad one (size b):
 * the first entry in [g, b) whose text does not hash to the leaf hash the log stored is the one that
 * changed. (If the stored hashes were edited to match, the change stays located to [g, b).)
 */
async function locateChange(file: string, report: VerifyReport): Promise<StoredHashMismatch | undefined> {
  const rootIssue = report.issues.find((issue) => issue.kind === 'root-mismatch');
  const from = report.firstBadIndex;
  if (rootIssue === undefined || from === undefined || !('size' in rootIssue)) return undefined;
  const to = rootIssue.size;
  let found: StoredHashMismatch | undefined;
  await forEachLine(file, (line) => {
    if (found !== undefined || !line.includes(STORED_MEMBER)) return;
    const parsed = parseStoredEntryLine(line);
    if (parsed === undefined || parsed.index < from || parsed.index >= to) return;
    const leaf = toHex(hashLeaf(parsed.entry));
    if (leaf !== parsed.leafHash) {
      found = {
        index: parsed.index,
        message: `entry ${parsed.index}: its text hashes to ${leaf}, not to the leaf hash ${parsed.leafHash} the log stored and signed`,
      };
    }
  });
  return found;
}

function describeIssue(issue: VerifyReport['issues'][number]): string {
  const where = issue.line === undefined ? '' : `line ${issue.line}: `;
  const { kind, line: _line, ...rest } = issue;
  return `${where}${kind} ${JSON.stringify(rest)}`;
}

/** Runs the command; returns the exit code. */
export async function runLogVerify(file: string, options: VerifyOptions, io: CommandIo): Promise<number> {
  if (!existsSync(file)) {
    io.err(`acgs log verify: no file ${file}`);
    return 2;
  }
  if (!options.key || options.key.length === 0) {
    io.err(
      'acgs log verify: --key <vkey|file> is required (the log’s public key, from GET /api/v1/log/public-key)',
    );
    return 2;
  }
  let keys: NoteVerifierKey[];
  try {
    keys = loadTrustedKeys(options.key);
  } catch (error) {
    io.err(
      `acgs log verify: bad --key: ${error instanceof PlatformError || error instanceof Error ? error.message : String(error)}`,
    );
    return 2;
  }
  let threads: number | undefined;
  if (options.threads !== undefined) {
    threads = Number(options.threads);
    if (!Number.isSafeInteger(threads) || threads < 0 || threads > 64) {
      io.err('acgs log verify: --threads must be an integer from 0 (no worker threads) to 64');
      return 2;
    }
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { report, mismatch } = await verifyExportFile(file, keys, {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    storedHashes: options.storedHashes === true,
    ...(threads === undefined ? {} : { threads }),
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const ok = report.ok && mismatch === undefined;
  // The verifier's firstBadIndex after a root mismatch is only a lower bound (the entry after the
  // last good checkpoint); a stored-hash mismatch names the entry itself, unless a malformed or
  // out-of-place entry comes earlier.
  const definite = report.issues.flatMap((issue) =>
    issue.kind === 'entry-malformed'
      ? [issue.index]
      : issue.kind === 'index-mismatch'
        ? [issue.expected]
        : [],
  );
  const firstBadIndex = mismatch === undefined ? report.firstBadIndex : Math.min(mismatch.index, ...definite);
  if (options.json) {
    io.out(
      JSON.stringify(
        { ...report, ok, firstBadIndex, storedHashMismatch: mismatch, seconds, cpuSeconds },
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  const rate = Math.round(report.entries / Math.max(seconds, 1e-9));
  if (ok) {
    io.out(
      `ok: ${report.entries} entries, ${report.checkpoints} checkpoints, origin ${report.origin}, root ${report.verifiedRoot} (${seconds.toFixed(2)} s, ${rate} entries/s)`,
    );
    return 0;
  }
  const rootIssue = report.issues.find((i) => i.kind === 'root-mismatch');
  if (firstBadIndex !== undefined) {
    const upTo = rootIssue && 'size' in rootIssue ? rootIssue.size : undefined;
    const exact = mismatch !== undefined || upTo === undefined || upTo === firstBadIndex + 1;
    io.out(
      exact
        ? `FAILED: first bad entry index ${firstBadIndex}`
        : `FAILED: first bad entry index ${firstBadIndex} (the change lies in entries ${firstBadIndex}–${upTo! - 1}: the checkpoint of size ${upTo} does not match, the one of size ${firstBadIndex} did)`,
    );
  } else {
    io.out('FAILED: the export does not verify');
  }
  if (mismatch !== undefined) io.out(`  ${mismatch.message}`);
  io.out(
    `  ${report.entries} entries, ${report.checkpoints} checkpoints, verified up to size ${report.verifiedSize}`,
  );
  for (const issue of report.issues.slice(0, 20)) io.out(`  ${describeIssue(issue)}`);
  if (report.issues.length > 20 || report.issuesDropped > 0)
    io.out(`  … ${report.issues.length - 20 + report.issuesDropped} more issues`);
  return 1;
}
