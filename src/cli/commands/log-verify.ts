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
  type NoteVerifierKey,
  parseVerifierKey,
  StreamVerifier,
  type VerifyReport,
} from '../../merkle/index.js';
import { type EntryLineParts, parseEntryLine, STORED_MEMBER, utf8Slice } from './log-verify-lines.js';
import { parseStoredEntryLine, StoredHashCheck, type StoredHashMismatch } from './log-verify-stored.js';
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
  const stored = options.storedHashes ? new StoredHashCheck() : undefined;
  const threads = options.threads ?? defaultThreads();
  // --stored-hashes recomputes every node beside the verifier's tree; it stays on this thread.
  if (
    threads > 0 &&
    stored === undefined &&
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
      if (feedLine(verifier, line) && stored !== undefined) feedStored(stored, line);
    });
  const report = verifier.finish();
  let mismatch = stored?.finish();
  if (stored === undefined && !report.ok) mismatch = await locateChange(file);
  return { report, mismatch };
}

function feedStored(check: StoredHashCheck, line: string): void {
  if (!line.includes(STORED_MEMBER)) return; // a line without stored hashes tells nothing more
  const parsed = parseStoredEntryLine(line);
  if (parsed !== undefined) check.feed(parsed);
}

/**
 * Second pass when the export does not verify: the stored hashes on the entry lines (not trusted,
 * but redundant) name the exact entry that changed, where the signed roots only bound it to the
 * entries between two checkpoints (log-verify-stored.ts).
 */
async function locateChange(file: string): Promise<StoredHashMismatch | undefined> {
  const check = new StoredHashCheck();
  await forEachLine(file, (line) => {
    if (line.startsWith('{"kind":"entry"')) feedStored(check, line);
  });
  return check.finish();
}

/** The first bad entry, and a note when only a range of entries can be named. */
interface FirstBad {
  readonly index: number;
  readonly note?: string;
}

/**
 * Picks the first bad entry. Exact findings come first: an entry out of sequence or malformed (the
 * verifier), an entry whose stored hashes disagree (the stored-hash check). A finding that can only
 * name two siblings gives way to an exact one among them. Without any, the verifier's bound is
 * left: a checkpoint whose root does not match (or that sits after the wrong number of entries)
 * says the change lies after the last good checkpoint and before it.
 */
export function firstBadEntry(
  report: VerifyReport,
  mismatch: StoredHashMismatch | undefined,
): FirstBad | undefined {
  const definite = report.issues.flatMap((issue) =>
    issue.kind === 'entry-malformed'
      ? [issue.index]
      : issue.kind === 'index-mismatch'
        ? [issue.expected]
        : [],
  );
  const candidates = [...definite];
  if (mismatch !== undefined) {
    const { index, lastIndex } = mismatch;
    const explained = lastIndex !== undefined && definite.some((d) => d >= index && d <= lastIndex);
    if (!explained) candidates.push(index);
  }
  if (candidates.length > 0) return { index: Math.min(...candidates) };
  const from = report.firstBadIndex;
  if (from === undefined) return undefined;
  const bound = report.issues.find((i) => i.kind === 'root-mismatch' || i.kind === 'checkpoint-misplaced');
  if (bound === undefined || !('size' in bound) || bound.size <= from + 1) return { index: from };
  return {
    index: from,
    note: `the change lies in entries ${from}–${bound.size - 1}: the checkpoint of size ${bound.size} does not match, the one of size ${from} did`,
  };
}

/** Pairs of entries that traded places: lines whose indexes mirror each other, or swapped siblings. */
function swappedPairs(report: VerifyReport, mismatch: StoredHashMismatch | undefined): [number, number][] {
  const pairs: [number, number][] = [];
  const moved = new Map<number, number>();
  for (const issue of report.issues)
    if (issue.kind === 'index-mismatch') moved.set(issue.expected, issue.index);
  for (const [at, holds] of moved) if (at < holds && moved.get(holds) === at) pairs.push([at, holds]);
  if (mismatch?.swappedWith !== undefined) pairs.push([mismatch.index, mismatch.swappedWith]);
  return pairs;
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
  const verdict = firstBadEntry(report, mismatch);
  const firstBadIndex = verdict?.index;
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
  io.out(
    verdict === undefined
      ? 'FAILED: the export does not verify'
      : `FAILED: first bad entry index ${verdict.index}${verdict.note === undefined ? '' : ` (${verdict.note})`}`,
  );
  for (const [a, b] of swappedPairs(report, mismatch)) io.out(`  entries ${a} and ${b} are swapped`);
  if (mismatch !== undefined) io.out(`  ${mismatch.message}`);
  io.out(
    `  ${report.entries} entries, ${report.checkpoints} checkpoints, verified up to size ${report.verifiedSize}`,
  );
  for (const issue of report.issues.slice(0, 20)) io.out(`  ${describeIssue(issue)}`);
  if (report.issues.length > 20 || report.issuesDropped > 0)
    io.out(`  … ${report.issues.length - 20 + report.issuesDropped} more issues`);
  return 1;
}
