import { PlatformError } from '../kernel/errors.js';
import { type Checkpoint, parseCheckpoint } from './checkpoint-note.js';
import { CompactRange } from './compact-range.js';
import { parseExportLine } from './export-format.js';
import { hashEquals, toHex } from './hash-rfc6962.js';
import { scanLogEntry } from './log-entry-scan.js';
import { type NoteVerifierKey, parseVerifierKey } from './note-keys.js';
import { parseSignedNote, verifyNote } from './signed-note.js';

/** One problem the verifier found. `line` is the 1-based export line when fed through `line()`. */
export type VerifyIssue = { readonly line?: number } & (
  | { readonly kind: 'line-malformed'; readonly message: string }
  | { readonly kind: 'header-missing' | 'header-repeated'; readonly message: string }
  | { readonly kind: 'index-mismatch'; readonly index: number; readonly expected: number }
  | { readonly kind: 'entry-malformed'; readonly index: number; readonly message: string }
  | { readonly kind: 'checkpoint-malformed'; readonly message: string }
  | { readonly kind: 'origin-mismatch'; readonly size: number; readonly origin: string }
  | { readonly kind: 'signature-invalid'; readonly size: number; readonly keys: readonly string[] }
  | { readonly kind: 'signature-missing'; readonly size: number }
  | { readonly kind: 'size-regressed'; readonly size: number; readonly previous: number }
  | { readonly kind: 'checkpoint-misplaced'; readonly size: number; readonly entries: number }
  | {
      readonly kind: 'root-mismatch';
      readonly size: number;
      readonly expected: string;
      readonly computed: string;
    }
  | { readonly kind: 'no-checkpoint' | 'tail-unsigned'; readonly size: number; readonly entries: number }
);

/** Summary of a verification run. */
export interface VerifyReport {
  /** True when no issue was found and a good checkpoint covers every entry. */
  readonly ok: boolean;
  readonly origin: string | undefined;
  readonly entries: number;
  readonly checkpoints: number;
  /** Size and hex root of the last checkpoint whose signature and root both checked out. */
  readonly verifiedSize: number;
  readonly verifiedRoot: string | undefined;
  /** Hex root recomputed over every entry fed. */
  readonly computedRoot: string;
  /**
   * Where the first failure lies: the index of the first malformed or out-of-sequence entry, or, when
   * a checkpoint's root does not match, the first entry after the last good checkpoint (the edit is
   * somewhere from there to that checkpoint's size), whichever is lower; a checkpoint after the wrong
   * number of entries (some removed or added and the rest renumbered) bounds it the same way when no
   * entry was out of sequence. Undefined when nothing
   * failed; entries after the last good checkpoint are reported as `tail-unsigned`, not as bad.
   */
  readonly firstBadIndex: number | undefined;
  readonly issues: readonly VerifyIssue[];
  /** Issues found beyond `maxIssues` and not listed. */
  readonly issuesDropped: number;
  /** True when the trusted keys came from the export's own header (checks integrity, not origin). */
  readonly keysFromHeader: boolean;
}

/** Options of a StreamVerifier. */
export interface StreamVerifierOptions {
  /** Trusted verifier keys. When omitted, the export header's keys are used (and the report says so). */
  readonly keys?: readonly NoteVerifierKey[];
  /** Expected origin; defaults to the header's. */
  readonly origin?: string;
  /** Check that every entry is a valid, canonical LogEntry (default true); false checks hashes only. */
  readonly checkEntries?: boolean;
  /** Most issues kept in the report (default 100). */
  readonly maxIssues?: number;
}

/**
 * Constant-memory verifier of a log export. Feed it the export one line at a time (`line`), or the
 * parsed parts (`header`, `entry`, `checkpoint`); it keeps only the frontier, the last checkpoint and
 * the issues, then `finish()` reports.
 * @example
 * const v = new StreamVerifier({ keys: [parseVerifierKey(vkey)] });
 * for await (const line of readline.createInterface({ input })) v.line(line);
 * const report = v.finish();
 */
export class StreamVerifier {
  readonly #range = CompactRange.empty();
  readonly #checkEntries: boolean;
  readonly #maxIssues: number;
  readonly #issues: VerifyIssue[] = [];
  #dropped = 0;
  #keys: readonly NoteVerifierKey[] | undefined;
  #keysFromHeader = false;
  #origin: string | undefined;
  #sawHeader = false;
  #lineNumber = 0;
  #checkpoints = 0;
  #lastSize = -1;
  #verifiedSize = 0;
  #verifiedRoot: string | undefined;
  #firstBad: number | undefined;

  constructor(options: StreamVerifierOptions = {}) {
    this.#keys = options.keys;
    this.#origin = options.origin;
    this.#checkEntries = options.checkEntries ?? true;
    this.#maxIssues = options.maxIssues ?? 100;
  }

  /** Entries fed so far. */
  get size(): number {
    return this.#range.size;
  }

  /** Feeds one NDJSON line of an export (blank lines are ignored). */
  line(text: string): void {
    this.#lineNumber++;
    if (text.length === 0 || text === '\r') return;
    if (this.#fastEntry(text)) return;
    let parsed: ReturnType<typeof parseExportLine>;
    try {
      parsed = parseExportLine(text);
    } catch (error) {
      this.#report({ kind: 'line-malformed', message: messageOf(error) });
      return;
    }
    if (parsed.kind === 'header') this.header(parsed.origin, parsed.publicKeys);
    else if (parsed.kind === 'entry') this.entry(parsed.index, parsed.entry);
    else this.checkpoint(parsed.note);
  }

  // Entry lines as formatExportEntry writes them skip the general parser.
  #fastEntry(text: string): boolean {
    const parsed = FAST_ENTRY;
    if (!parseEntryLineFast(text, parsed)) return false;
    this.entry(parsed.index, parsed.entry);
    return true;
  }

  /** Feeds the export header. */
  header(origin: string, publicKeys: readonly string[]): void {
    if (this.#sawHeader || this.#range.size > 0 || this.#checkpoints > 0) {
      this.#report({ kind: 'header-repeated', message: 'header must be the first line, once' });
      return;
    }
    this.#sawHeader = true;
    this.#origin ??= origin;
    if (this.#keys === undefined) {
      const keys: NoteVerifierKey[] = [];
      for (const vkey of publicKeys) {
        try {
          keys.push(parseVerifierKey(vkey));
        } catch (error) {
          this.#report({ kind: 'line-malformed', message: `header key: ${messageOf(error)}` });
        }
      }
      this.#keys = keys;
      this.#keysFromHeader = true;
    }
  }

  /** Feeds entry `index`, its canonical JSON text exactly as hashed. */
  entry(index: number, text: string): void {
    this.#requireHeader();
    const expected = this.#range.size;
    if (index !== expected) {
      this.#report({ kind: 'index-mismatch', index, expected });
      this.#markBad(expected);
    }
    if (this.#checkEntries) {
      const problem = scanLogEntry(text);
      if (problem !== undefined) {
        this.#report({ kind: 'entry-malformed', index: expected, message: problem });
        this.#markBad(expected);
      }
    }
    // The leaf is hashed as given, so later roots still tell whether the bytes are the logged ones.
    this.#range.appendData(text);
  }

  /**
   * Feeds entry `index` already scanned and hashed elsewhere (a worker thread): `problem` is
   * `scanLogEntry`'s verdict on its text (ignored when `checkEntries` is false) and `leafHash` its
   * leaf hash as a binary string (`hashLeafBinary`). The same effect as `entry(index, text)`.
   */
  scannedEntry(index: number, leafHash: string, problem: string | undefined): void {
    this.#requireHeader();
    const expected = this.#range.size;
    if (index !== expected) {
      this.#report({ kind: 'index-mismatch', index, expected });
      this.#markBad(expected);
    }
    if (this.#checkEntries && problem !== undefined) {
      this.#report({ kind: 'entry-malformed', index: expected, message: problem });
      this.#markBad(expected);
    }
    this.#range.appendBinary(leafHash);
  }

  /** Feeds a checkpoint note; its size must equal the number of entries fed so far. */
  checkpoint(note: string): void {
    this.#requireHeader();
    this.#checkpoints++;
    let checkpoint: Checkpoint;
    let verification: ReturnType<typeof verifyNote>;
    try {
      const parsed = parseSignedNote(note);
      checkpoint = parseCheckpoint(parsed.text);
      verification = verifyNote(parsed, this.#keys ?? []);
    } catch (error) {
      this.#report({ kind: 'checkpoint-malformed', message: messageOf(error) });
      return;
    }
    const { size } = checkpoint;
    let good = true;
    if (this.#origin !== undefined && checkpoint.origin !== this.#origin) {
      this.#report({ kind: 'origin-mismatch', size, origin: checkpoint.origin });
      good = false;
    }
    if (verification.failed.length > 0) {
      this.#report({ kind: 'signature-invalid', size, keys: verification.failed.map((s) => s.name) });
      good = false;
    } else if (verification.verifiedBy.length === 0) {
      this.#report({ kind: 'signature-missing', size });
      good = false;
    }
    if (size < this.#lastSize) {
      this.#report({ kind: 'size-regressed', size, previous: this.#lastSize });
      good = false;
    }
    this.#lastSize = Math.max(this.#lastSize, size);
    if (size !== this.#range.size) {
      this.#report({ kind: 'checkpoint-misplaced', size, entries: this.#range.size });
      // Entries were removed or added after the last good checkpoint; an entry out of sequence,
      // when one was seen, is the exact place.
      if (this.#firstBad === undefined) this.#markBad(this.#verifiedSize);
      return;
    }
    const computed = this.#range.root();
    if (!hashEquals(computed, checkpoint.root)) {
      this.#report({
        kind: 'root-mismatch',
        size,
        expected: toHex(checkpoint.root),
        computed: toHex(computed),
      });
      this.#markBad(this.#verifiedSize);
      return;
    }
    if (good && this.#firstBad === undefined) {
      this.#verifiedSize = size;
      this.#verifiedRoot = toHex(computed);
    }
  }

  /** Ends the stream and reports. */
  finish(): VerifyReport {
    const entries = this.#range.size;
    if (!this.#sawHeader && this.#issues.every((i) => i.kind !== 'header-missing')) {
      this.#report({ kind: 'header-missing', message: 'export has no header line' });
    }
    if (this.#checkpoints === 0) this.#report({ kind: 'no-checkpoint', size: 0, entries });
    else if (this.#verifiedSize < entries && this.#firstBad === undefined) {
      this.#report({ kind: 'tail-unsigned', size: this.#verifiedSize, entries });
    }
    const firstBadIndex =
      this.#firstBad !== undefined && this.#firstBad < entries ? this.#firstBad : undefined;
    return {
      ok: this.#issues.length === 0 && this.#dropped === 0,
      origin: this.#origin,
      entries,
      checkpoints: this.#checkpoints,
      verifiedSize: this.#verifiedSize,
      verifiedRoot: this.#verifiedRoot,
      computedRoot: toHex(this.#range.root()),
      firstBadIndex,
      issues: [...this.#issues],
      issuesDropped: this.#dropped,
      keysFromHeader: this.#keysFromHeader,
    };
  }

  #requireHeader(): void {
    if (!this.#sawHeader && this.#range.size === 0 && this.#checkpoints === 0) {
      this.#report({ kind: 'header-missing', message: 'export must start with a header line' });
    }
  }

  #markBad(index: number): void {
    if (this.#firstBad === undefined || index < this.#firstBad) this.#firstBad = index;
  }

  #report(issue: VerifyIssue): void {
    if (this.#issues.length >= this.#maxIssues) {
      this.#dropped++;
      return;
    }
    this.#issues.push(this.#lineNumber > 0 ? { ...issue, line: this.#lineNumber } : issue);
  }
}

const ENTRY_LINE_PREFIX = '{"kind":"entry","index":';
const ENTRY_MEMBER = ',"entry":"';
const FAST_ENTRY = { index: 0, entry: '' };

/**
 * Parses an entry line exactly as `formatExportEntry` writes it (no other member order, no
 * whitespace) into `out`, without building the line object; false for any other line, which then
 * needs `parseExportLine`. `out` is reused by the caller so the hot loop allocates nothing for it.
 */
export function parseEntryLineFast(text: string, out: { index: number; entry: string }): boolean {
  // charCodeAt comparisons: String#startsWith with a position is a slow path in V8.
  const prefix = ENTRY_LINE_PREFIX;
  for (let i = 0; i < prefix.length; i++) if (text.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
  let pos = prefix.length;
  let index = 0;
  for (let c = text.charCodeAt(pos); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++pos)) {
    index = index * 10 + c - 0x30;
  }
  const digits = pos - prefix.length;
  if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(prefix.length) === 0x30)) return false;
  const member = ENTRY_MEMBER;
  for (let i = 0; i < member.length; i++) if (text.charCodeAt(pos + i) !== member.charCodeAt(i)) return false;
  const end = text.length;
  if (text.charCodeAt(end - 1) !== 0x7d || text.charCodeAt(end - 2) !== 0x22) return false;
  let entry: unknown;
  try {
    entry = JSON.parse(text.slice(pos + member.length - 1, -1));
  } catch {
    return false;
  }
  if (typeof entry !== 'string') return false;
  out.index = index;
  out.entry = entry;
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof PlatformError || error instanceof Error ? error.message : String(error);
}
