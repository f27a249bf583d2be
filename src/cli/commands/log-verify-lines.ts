/**
 * Entry lines of an export, parsed on the verify command's hot path without building the line
 * object: the v1 form (`formatExportEntry`) and the form `acgs log export` writes, the v1 line plus
 * the stored hashes (`,"leafHash":"<hex>"` and maybe `,"nodes":[…]`), which are not read here.
 * Shared by the single-thread path and the worker threads, so both accept exactly the same lines.
 */
import { parseEntryLineFast } from '../../merkle/index.js';

/** Where the stored hashes begin. */
export const STORED_MEMBER = ',"leafHash":"';
const ENTRY_PREFIX = '{"kind":"entry","index":';
const ENTRY_MEMBER = ',"entry":"';

/** An entry line's index and entry text; reused across calls by its owner. */
export interface EntryLineParts {
  index: number;
  entry: string;
}

/**
 * Fills `out` from an entry line in either fast form and returns true; false for any other line
 * (header, checkpoint, other member order or whitespace, malformed), which the verifier's general
 * line parser then handles.
 */
export function parseEntryLine(line: string, out: EntryLineParts): boolean {
  const length = line.length;
  // Stored hashes end the line as `,"leafHash":"<64 hex>"}` or `…,"nodes":[…]}`; other lines skip
  // the search.
  const withNodes = line.charCodeAt(length - 2) === 0x5d;
  if (!withNodes && !line.startsWith(STORED_MEMBER, length - 79)) return parseEntryLineFast(line, out);
  const at = withNodes ? line.lastIndexOf(STORED_MEMBER) : length - 79;
  if (at < 0 || line.charCodeAt(length - 1) !== 0x7d) return parseEntryLineFast(line, out);
  for (let i = 0; i < ENTRY_PREFIX.length; i++) {
    if (line.charCodeAt(i) !== ENTRY_PREFIX.charCodeAt(i)) return false;
  }
  let pos = ENTRY_PREFIX.length;
  let index = 0;
  for (let c = line.charCodeAt(pos); c >= 0x30 && c <= 0x39; c = line.charCodeAt(++pos))
    index = index * 10 + c - 0x30;
  const digits = pos - ENTRY_PREFIX.length;
  if (digits === 0 || digits > 15 || (digits > 1 && line.charCodeAt(ENTRY_PREFIX.length) === 0x30))
    return false;
  if (!line.startsWith(ENTRY_MEMBER, pos)) return false;
  let entry: unknown;
  try {
    entry = JSON.parse(line.slice(pos + ENTRY_MEMBER.length - 1, at));
  } catch {
    return false;
  }
  if (typeof entry !== 'string') return false;
  out.index = index;
  out.entry = entry;
  return true;
}

// Buffer#utf8Slice skips toString's argument handling; it has shipped since Node 0.x (as the merkle
// library's latin1Write has). Falls back to toString if it ever goes.
type Utf8Slice = (this: Buffer, start: number, end: number) => string;
/** `buffer.toString('utf8', start, end)`, faster. */
export const utf8Slice: Utf8Slice =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

type Latin1Slice = (this: Buffer, start: number, end: number) => string;
/** `buffer.toString('latin1', start, end)`, faster (as utf8Slice). */
export const latin1Slice: Latin1Slice =
  (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('latin1', start, end);
  };

/** Line kinds in a worker's block result (log-verify-worker.ts). */
export const LINE_ENTRY = 1;
export const LINE_OTHER = 2;
/** The workerData that makes log-verify-worker.js serve blocks. */
export const WORKER_MARK = 'acgs-log-verify-worker';

const PREFIX_BYTES = Buffer.from(ENTRY_PREFIX, 'latin1');
const MEMBER_BYTES = Buffer.from(ENTRY_MEMBER, 'latin1');
const STORED_BYTES = Buffer.from(STORED_MEMBER, 'latin1');

/**
 * The byte-level fast path of `parseEntryLine`, for the worker threads: reads the entry line
 * `bytes[start, end)` and writes 0x00 ‖ the entry's bytes (the leaf hash input) into `out` from 0,
 * with no string made for the line. Returns the number of bytes written, with the index in
 * `parts.index`, or −1 when the line is anything but an all-ASCII entry line in a fast form whose
 * entry has no escapes other than \" and \\ — then `parseEntryLine` decides. Whenever it accepts a
 * line, `parseEntryLine` on the decoded line gives the same index and entry (ASCII, so bytes are
 * characters and the positions it tests are the same).
 */
export function parseEntryLineBytes(
  bytes: Buffer,
  start: number,
  end: number,
  out: Buffer,
  parts: EntryLineParts,
): number {
  const prefix = PREFIX_BYTES;
  if (end - start < prefix.length + 13) return -1;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return -1;
  let pos = start + prefix.length;
  let index = 0;
  for (let c = bytes[pos]!; c >= 0x30 && c <= 0x39; c = bytes[++pos]!) index = index * 10 + c - 0x30;
  const digits = pos - start - prefix.length;
  if (digits === 0 || digits > 15 || (digits > 1 && bytes[start + prefix.length] === 0x30)) return -1;
  const member = MEMBER_BYTES;
  for (let i = 0; i < member.length; i++) if (bytes[pos + i] !== member[i]) return -1;
  // The entry string's content: printable ASCII, with \" and \\ unescaped, up to its closing quote.
  let p = pos + member.length;
  let o = 1;
  out[0] = 0;
  for (;;) {
    if (p >= end) return -1;
    const c = bytes[p++]!;
    if (c === 0x22) break;
    if (c === 0x5c) {
      const d = bytes[p++]!;
      if (d !== 0x22 && d !== 0x5c) return -1;
      out[o++] = d;
    } else if (c >= 0x20 && c < 0x80) out[o++] = c;
    else return -1;
  }
  if (bytes[end - 1] !== 0x7d) return -1;
  if (p === end - 1) {
    // The v1 line: `…"entry":"<text>"}`. Its last 79 characters cannot hold `,"leafHash":"` (an
    // unescaped quote after a comma), so parseEntryLine takes the v1 path and reads the same text.
    parts.index = index;
    return o;
  }
  // The stored-hash form: parseEntryLine cuts the entry at the last `,"leafHash":"` when the line ends
  // in `]}` (the same occurrence in bytes as in characters: UTF-8 puts no ASCII byte inside a
  // character), or at 79 characters from the end otherwise (79 bytes when those are ASCII); it must
  // be where the entry string ended.
  let at: number;
  if (bytes[end - 2] === 0x5d) at = bytes.lastIndexOf(STORED_BYTES, end - 1);
  else {
    at = end - 79;
    for (let i = at; i < end; i++) if (bytes[i]! >= 0x80) return -1;
  }
  if (at !== p) return -1;
  for (let i = 0; i < STORED_BYTES.length; i++) if (bytes[p + i] !== STORED_BYTES[i]) return -1;
  parts.index = index;
  return o;
}
