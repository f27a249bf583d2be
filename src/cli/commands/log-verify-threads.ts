/**
 * The verify command's multi-threaded line feed. Decoding each entry line, scanning its entry and
 * hashing its leaf is independent per entry, so worker threads do it on blocks of whole lines (cut
 * at newline bytes, which never occur inside a multi-byte UTF-8 character), while this thread reads
 * the file, folds the leaf hashes into the tree in line order and feeds every other line (header,
 * checkpoints, anything unusual) to the verifier itself — the report is the one the single-thread
 * path gives — and does a block itself when every worker has its fill. Memory stays bounded: a fixed pool of blocks is in flight, and the reader waits for
 * one to come back before reading more.
 */
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StreamVerifier } from '../../merkle/index.js';
import { LINE_ENTRY, WORKER_MARK } from './log-verify-lines.js';
import { type BlockResult, processBlock } from './log-verify-worker.js';

/**
 * Default number of worker threads: one fewer than the cores, since this thread takes blocks too
 * when the workers are busy (on two cores, one worker beats two: no thread waits for a core), at
 * most 4; none on a single core.
 */
export function defaultThreads(): number {
  return Math.max(0, Math.min(availableParallelism() - 1, 4));
}

// Blocks queued per worker: enough that a worker never waits while this thread does a block itself.
const SLOTS = 3;

/** Bytes per block handed to a worker (lines longer than this get a block of their own). */
export const BLOCK_BYTES = 4 << 20;

/**
 * Feeds every line of `file` to `verifier` as the single-thread path would (`feedOther` for lines a
 * worker did not parse as entries), with `threads` workers — and this thread, when they are all
 * busy — doing the per-entry work.
 */
export async function feedFileThreaded(
  file: string,
  verifier: StreamVerifier,
  feedOther: (line: string) => void,
  threads: number,
  blockBytes: number = BLOCK_BYTES,
): Promise<void> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./log-verify-worker.js', import.meta.url), { workerData: WORKER_MARK }),
  );
  const handle = await open(file, 'r');
  const free: ArrayBuffer[] = [];
  for (let i = 0; i < threads * SLOTS + 2; i++) free.push(new ArrayBuffer(blockBytes));
  const inFlight = workers.map(() => 0);
  const done = new Map<number, BlockResult>();
  let nextSeq = 0; // the next block to fold
  let sent = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fold = () => {
    for (let result = done.get(nextSeq); result !== undefined; result = done.get(nextSeq)) {
      done.delete(nextSeq);
      nextSeq++;
      try {
        foldBlock(result, verifier, feedOther);
      } catch (error) {
        failure ??= error;
      }
      free.push(result.buffer);
    }
    notify();
  };
  workers.forEach((worker, w) => {
    worker.on('message', (result: BlockResult) => {
      inFlight[w]!--;
      done.set(result.seq, result);
      fold();
    });
    worker.on('error', (error) => {
      failure ??= error;
      notify();
    });
    worker.on('exit', (code) => {
      if (code !== 0) failure ??= new Error(`verify worker exited with code ${code}`);
      notify();
    });
  });
  const waitForBlock = () => new Promise<void>((resolve) => (wake = resolve));
  try {
    let carry: Buffer | undefined; // the unfinished last line of the previous block
    for (let eof = false; !eof; ) {
      while (free.length === 0 && failure === undefined) await waitForBlock();
      if (failure !== undefined) throw failure;
      let bytes = Buffer.from(free.pop()!);
      let filled = 0;
      if (carry !== undefined) {
        if (carry.length >= bytes.length) bytes = Buffer.from(new ArrayBuffer(carry.length * 2));
        filled = carry.copy(bytes, 0);
        carry = undefined;
      }
      let cut: number;
      for (;;) {
        if (filled === bytes.length) {
          cut = bytes.lastIndexOf(0x0a, filled - 1) + 1;
          if (cut > 0) break;
          const grown = Buffer.from(new ArrayBuffer(bytes.length * 2)); // a line longer than a block
          bytes.copy(grown, 0, 0, filled);
          bytes = grown;
        }
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, null);
        if (bytesRead === 0) {
          eof = true;
          cut = filled;
          break;
        }
        filled += bytesRead;
      }
      if (cut < filled) carry = Buffer.from(bytes.subarray(cut, filled));
      if (cut === 0) {
        free.push(bytes.buffer as ArrayBuffer);
        continue;
      }
      const request = { seq: sent++, buffer: bytes.buffer as ArrayBuffer, length: cut };
      let w = 0;
      for (let i = 1; i < threads; i++) if (inFlight[i]! < inFlight[w]!) w = i;
      if (inFlight[w]! < SLOTS) {
        inFlight[w]!++;
        workers[w]!.postMessage(request, [request.buffer]);
      } else {
        // Every worker is busy: this thread does the block itself rather than wait (on a machine
        // whose cores are all taken, that is what keeps the threaded path as fast as the plain one).
        done.set(request.seq, processBlock(request));
        fold();
      }
    }
    while (nextSeq < sent && failure === undefined) await waitForBlock();
    if (failure !== undefined) throw failure;
  } finally {
    await handle.close();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Feeds one block's lines to the verifier, in order. */
function foldBlock(result: BlockResult, verifier: StreamVerifier, feedOther: (line: string) => void): void {
  const { kinds, indices, hashes, problems, others } = result;
  let entry = 0;
  let other = 0;
  let problem = 0;
  let problemAt = problems.length > 0 ? problems[0]![0] : -1;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] !== LINE_ENTRY) {
      feedOther(others[other++]!);
      continue;
    }
    let message: string | undefined;
    if (entry === problemAt) {
      message = problems[problem]![1];
      problem++;
      problemAt = problem < problems.length ? problems[problem]![0] : -1;
    }
    verifier.line(''); // keeps the verifier's line numbers right (blank lines are skipped)
    verifier.scannedEntry(indices[entry]!, hashes.slice(entry * 32, entry * 32 + 32), message);
    entry++;
  }
}
