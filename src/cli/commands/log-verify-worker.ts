/**
 * Worker thread of `acgs log verify --threads`: the per-entry work of a block of export lines —
 * decoding the line, the canonical-JSON scan of the entry and its leaf hash — which is independent
 * per entry. The main thread folds the leaf hashes into the tree in order and does everything else
 * (log-verify-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashLeafBinary, hashPrefixedLeafBinary, scanLogEntry } from '../../merkle/index.js';
import {
  type EntryLineParts,
  LINE_ENTRY,
  LINE_OTHER,
  latin1Slice,
  parseEntryLine,
  parseEntryLineBytes,
  utf8Slice,
  WORKER_MARK,
} from './log-verify-lines.js';

/** A block of whole lines (`length` bytes of `buffer`), the last one possibly without its newline. */
export interface BlockRequest {
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
}

/** What a worker found in one block, in line order. */
export interface BlockResult {
  readonly seq: number;
  /** The block's buffer, handed back for reuse. */
  readonly buffer: ArrayBuffer;
  /** One kind per line: LINE_ENTRY (parsed here) or LINE_OTHER (text in `others`, for the main thread). */
  readonly kinds: Uint8Array;
  /** The entries' indices, in order. */
  readonly indices: Float64Array;
  /** The entries' leaf hashes, 32 binary characters each, concatenated. */
  readonly hashes: string;
  /** [entry ordinal in this block, scanLogEntry's problem], for entries that are not canonical. */
  readonly problems: readonly (readonly [number, string])[];
  /** Lines not parsed here, in order. */
  readonly others: readonly string[];
}

// 0x00 ‖ the entry bytes of the line at hand (grown for a longer line).
let scratch = Buffer.allocUnsafe(1 << 16);
// Views of scratch by length, made once: a subarray per entry is a visible share of the work.
let views: Buffer[] = [];

/** Parses and hashes every line of a block. */
export function processBlock(request: BlockRequest): BlockResult {
  const bytes = Buffer.from(request.buffer, 0, request.length);
  const end = request.length;
  const kinds: number[] = [];
  const indices: number[] = [];
  const hashes: string[] = [];
  const problems: [number, string][] = [];
  const others: string[] = [];
  const parts: EntryLineParts = { index: 0, entry: '' };
  const takeBytes = (from: number, to: number) => {
    if (scratch.length < to - from) {
      scratch = Buffer.allocUnsafe(2 * (to - from));
      views = [];
    }
    const size = parseEntryLineBytes(bytes, from, to, scratch, parts);
    if (size < 0) {
      take(utf8Slice.call(bytes, from, to));
      return;
    }
    const entry = latin1Slice.call(scratch, 1, size);
    const problem = scanLogEntry(entry);
    if (problem !== undefined) problems.push([indices.length, problem]);
    indices.push(parts.index);
    let view = views[size];
    if (view === undefined) view = views[size] = scratch.subarray(0, size);
    hashes.push(hashPrefixedLeafBinary(view));
    kinds.push(LINE_ENTRY);
  };
  const take = (line: string) => {
    if (parseEntryLine(line, parts)) {
      const problem = scanLogEntry(parts.entry);
      if (problem !== undefined) problems.push([indices.length, problem]);
      indices.push(parts.index);
      hashes.push(hashLeafBinary(parts.entry));
      kinds.push(LINE_ENTRY);
    } else {
      others.push(line);
      kinds.push(LINE_OTHER);
    }
  };
  let start = 0;
  for (let nl = bytes.indexOf(0x0a, 0); nl !== -1 && nl < end; nl = bytes.indexOf(0x0a, start)) {
    takeBytes(start, nl);
    start = nl + 1;
    if (start >= end) break;
  }
  if (start < end) takeBytes(start, end);
  return {
    seq: request.seq,
    buffer: request.buffer,
    kinds: Uint8Array.from(kinds),
    indices: Float64Array.from(indices),
    hashes: hashes.join(''),
    problems,
    others,
  };
}

if (workerData === WORKER_MARK)
  parentPort?.on('message', (request: BlockRequest) => {
    const result = processBlock(request);
    parentPort!.postMessage(result, [
      result.buffer,
      result.kinds.buffer as ArrayBuffer,
      result.indices.buffer as ArrayBuffer,
    ]);
  });
