/**
 * The fsync that makes a commit durable, off the event loop. With `synchronous=FULL` SQLite fsyncs
 * the WAL inside `commit`, in the committing thread: for the embedded platform, the event loop,
 * blocked for each group commit's fsync (about a millisecond idle, tens under load). Here the
 * connection runs `synchronous=NORMAL` (a commit writes the WAL without syncing it) and the
 * group-commit driver hands each committed group's waiters to `durable`: they resolve once an
 * fdatasync of the WAL that began after their commit has completed, in libuv's thread pool, while
 * the loop serves other requests. Syncs chain: commits made while one runs share the next.
 *
 * Durability is that of `synchronous=FULL`: no waiter (an acknowledged decision, vote, event)
 * resolves before its commit is on disk. What changes is visibility: another connection may read a
 * commit a moment before it is durable, as the committing connection's own readers already could
 * (sqlite-group-commit.ts).
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

export interface DurableWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  #fd: number | undefined;
  #syncing = false;
  #waiting: DurableWaiter[] = [];
  readonly #idle: (() => void)[] = [];

  constructor(
    private readonly walPath: string,
    /** fdatasync(2); a test passes one it controls. */
    private readonly syncFile: (
      fd: number,
      done: (error: NodeJS.ErrnoException | null) => void,
    ) => void = fdatasync,
  ) {}

  /** After a commit: resolves `waiters` once the WAL, as the commit left it, is on disk. */
  durable(waiters: readonly DurableWaiter[]): void {
    for (const waiter of waiters) this.#waiting.push(waiter);
    if (!this.#syncing) this.#sync();
  }

  /** Waits for the syncs under way and owed, then closes the WAL file. */
  async close(): Promise<void> {
    if (this.#syncing || this.#waiting.length > 0)
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #sync(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    let fd: number;
    try {
      fd = this.#fd ??= openSync(this.walPath, 'r');
    } catch (error) {
      // No WAL file: nothing was ever written to it, so there is nothing to make durable.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') for (const w of batch) w.resolve();
      else for (const w of batch) w.reject(error);
      this.#next();
      return;
    }
    this.#syncing = true;
    this.syncFile(fd, (error) => {
      this.#syncing = false;
      for (const w of batch) {
        if (error) w.reject(error);
        else w.resolve();
      }
      this.#next();
    });
  }

  #next(): void {
    if (this.#waiting.length > 0) this.#sync();
    else for (const resolve of this.#idle.splice(0)) resolve();
  }
}
