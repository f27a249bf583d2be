/**
 * WAL checkpoints off the event loop. SQLite checkpoints by itself at the end of a commit once the
 * WAL holds 1,000 pages: it copies them into the database file and fsyncs it, in the committing
 * thread — for the embedded platform, the event loop, stalled 20–40 ms at a time under load.
 * Here the main connection checkpoints only as a far-off fallback (`FALLBACK_AUTOCHECKPOINT_PAGES`)
 * and a worker thread with its own connection does it instead, when a commit finds the WAL file
 * past `thresholdBytes` (and the last checkpoint at least `MIN_INTERVAL_MS` ago: the file is
 * truncated back to the threshold when SQLite starts the WAL over, so it stays near that size):
 *
 * - PASSIVE: copies what it can without waiting for anyone; the main connection keeps writing.
 * - RESTART, when the last checkpoint found the WAL holding many times the threshold: PASSIVE
 *   checkpoints under a steady stream of commits may never see the WAL fully copied, and SQLite
 *   starts it over only then. RESTART waits (busy_timeout) for the writer and starts the WAL over.
 *   The main thread is not blocked meanwhile: the group-commit driver retries its `begin` from
 *   timers (sqlite-group-commit.ts).
 *
 * The worker starts at the first checkpoint, so a database that never grows a large WAL (tests, CLI
 * commands) never starts one. Durability does not depend on it: committed pages are already in the
 * fsynced WAL, and a worker that fails hands checkpointing back to the main connection.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { CheckpointMode, CheckpointReply } from './sqlite-checkpoint-worker.js';

/** SQLite's own threshold (1,000 pages of 4 KiB). */
export const DEFAULT_CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** The main connection's own automatic checkpoint, kept as the fallback's fallback (pages). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 65_536;
/** A checkpoint that found the WAL this many times the threshold asks for RESTART next. */
const RESTART_FACTOR = 4;
/** Least time between the end of one checkpoint and the next request. */
const MIN_INTERVAL_MS = 50;
const PAGE_BYTES = 4096;
const WORKER_BUSY_TIMEOUT_MS = 200;

export interface CheckpointerOptions {
  /** WAL size past which a commit asks for a checkpoint (default 4 MiB). */
  readonly thresholdBytes?: number;
  /** Called with each checkpoint's outcome (tests, diagnostics). */
  readonly onCheckpoint?: (mode: CheckpointMode, reply: CheckpointReply) => void;
}

export class WalCheckpointer {
  readonly #walPath: string;
  readonly #thresholdBytes: number;
  #worker: Worker | undefined;
  #inFlight = false;
  #stopped = false;
  #lastDoneMs = Number.NEGATIVE_INFINITY;
  #nextMode: CheckpointMode = 'PASSIVE';
  /** The worker failed: the main connection checkpoints by itself again. */
  #failed = false;

  constructor(
    private readonly path: string,
    private readonly main: BetterSqlite3.Database,
    private readonly options: CheckpointerOptions = {},
  ) {
    this.#walPath = `${path}-wal`;
    this.#thresholdBytes = options.thresholdBytes ?? DEFAULT_CHECKPOINT_BYTES;
    main.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    main.pragma(`journal_size_limit = ${this.#thresholdBytes}`);
  }

  /** After each physical commit: asks for a checkpoint when the WAL has grown past the threshold. */
  committed(): void {
    if (this.#inFlight || this.#stopped || this.#failed) return;
    if (performance.now() - this.#lastDoneMs < MIN_INTERVAL_MS) return;
    let size: number;
    try {
      size = statSync(this.#walPath).size;
    } catch {
      return;
    }
    if (size < this.#thresholdBytes) return;
    this.#request(this.#nextMode);
  }

  /** Ends the worker (its connection closed) before the main connection closes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  #request(mode: CheckpointMode): void {
    const worker = this.#worker ?? this.#start();
    if (worker === undefined) return;
    this.#inFlight = true;
    worker.once('message', (reply: CheckpointReply) => {
      this.#inFlight = false;
      this.#lastDoneMs = performance.now();
      this.#nextMode =
        reply.ok && reply.log * PAGE_BYTES >= this.#thresholdBytes * RESTART_FACTOR ? 'RESTART' : 'PASSIVE';
      this.options.onCheckpoint?.(mode, reply);
    });
    worker.postMessage(mode);
  }

  #start(): Worker | undefined {
    try {
      const worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
        workerData: { path: this.path, busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS },
      });
      worker.unref();
      worker.once('error', () => this.#fail());
      worker.once('exit', () => {
        if (!this.#stopped) this.#fail();
      });
      this.#worker = worker;
      return worker;
    } catch {
      this.#fail();
      return undefined;
    }
  }

  #fail(): void {
    this.#failed = true;
    this.#inFlight = false;
    this.#worker = undefined;
    if (!this.#stopped && this.main.open) this.main.pragma('wal_autocheckpoint = 1000');
  }
}
