/**
 * The job queue of one process, for a service whose jobs are stored rows with a lease (the
 * synthesis service's jobs, the evolution service's runs): runs them one at a time in order and
 * takes over the ones a stopped process left behind.
 *
 * Durability: a job MUST be stored before `enqueue` is called (the 202 acknowledges it). On
 * `start`, and then every half lease period, unfinished jobs that no live process holds (their
 * lease expired, or was released at shutdown) are taken over: run again (`execute` resumes from
 * what the job stored) while they have attempts left, otherwise handed to `giveUp`. A job is
 * therefore never lost, and never run by two live processes at once.
 */
import type { Logger } from 'pino';
import type { Clock } from '../kernel/clock.js';

/** The lease queries a job table answers. */
export interface LeasedJobStore {
  /** Unfinished jobs that no live process holds, oldest first. */
  orphaned(nowMs: number): Promise<readonly { readonly id: string; readonly attempts: number }[]>;
  /** Takes a job for `owner` if it is unfinished and unleased (or its lease expired, or it is owner's). */
  claim(id: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Lets go of an unfinished job `owner` holds, so the next process takes it at once. */
  release(id: string, owner: string): Promise<void>;
}

export interface DurableJobQueueDeps {
  readonly store: LeasedJobStore;
  readonly clock: Clock;
  readonly owner: string;
  readonly logger: Logger;
  /** Runs (or resumes) one job to its end or until `signal` aborts; MUST NOT throw for the job's own failures. */
  execute(id: string, signal: AbortSignal): Promise<void>;
  /** Marks a job that was interrupted `attempts` times as failed. */
  giveUp(id: string, attempts: number, nowMs: number): Promise<void>;
  /** Called whenever this process's backlog changes (a gauge). */
  onBacklog?(backlog: number): void;
}

export interface DurableJobQueueSettings {
  /** Jobs waiting or running in this process before a sweep takes no more. */
  readonly capacity: number;
  /** How long a process holds a job without renewing; also the recovery sweep period (half). */
  readonly leaseMs: number;
  /** Runs a job may start before it is given up as repeatedly interrupted. */
  readonly maxAttempts: number;
}

export class DurableJobQueue {
  private readonly waiting: string[] = [];
  private running: { id: string; abort: AbortController; done: Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly deps: DurableJobQueueDeps,
    private readonly settings: DurableJobQueueSettings,
  ) {}

  /** Schedules a stored job in this process. */
  enqueue(id: string): void {
    this.waiting.push(id);
    this.changed();
    this.pump();
  }

  /** Stops a job of this process: dropped if waiting, aborted at its next step if running. */
  abort(id: string): void {
    const at = this.waiting.indexOf(id);
    if (at >= 0) this.waiting.splice(at, 1);
    if (this.running?.id === id) this.running.abort.abort();
    this.changed();
  }

  /** Takes over orphaned jobs, then keeps doing so every half lease period. */
  async start(): Promise<void> {
    this.stopped = false;
    // A database away at start must not end the process: the timer's sweeps take the jobs over.
    await this.sweep().catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, 'job sweep failed; retried every lease period'),
    );
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'job sweep failed'));
    }, this.settings.leaseMs / 2);
    this.timer.unref();
    this.pump(); // jobs accepted before the start
  }

  /** Stops taking jobs, waits for the running one to reach its next step, and releases what it held. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const interrupted = this.running?.id;
    this.running?.abort.abort();
    await this.running?.done;
    for (const id of [...(interrupted === undefined ? [] : [interrupted]), ...this.waiting.splice(0)])
      await this.deps.store.release(id, this.deps.owner);
    this.changed();
  }

  /** Jobs accepted by this process and not finished. */
  backlog(): number {
    return this.waiting.length + (this.running === undefined ? 0 : 1);
  }

  private async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    // Renew what this process holds, the running job included: a model answer or a proof may
    // take longer than a lease, and a lapsed lease would let another replica run the job too.
    const held = [...(this.running === undefined ? [] : [this.running.id]), ...this.waiting];
    for (const id of held) await this.deps.store.claim(id, this.deps.owner, now, this.settings.leaseMs);
    for (const row of await this.deps.store.orphaned(now)) {
      if (this.waiting.includes(row.id) || this.running?.id === row.id) continue;
      if (this.backlog() >= this.settings.capacity) break;
      if (!(await this.deps.store.claim(row.id, this.deps.owner, now, this.settings.leaseMs))) continue;
      if (Number(row.attempts) >= this.settings.maxAttempts) {
        await this.deps.giveUp(row.id, Number(row.attempts), now);
        continue;
      }
      this.deps.logger.info({ jobId: row.id, attempts: row.attempts }, 'resuming an interrupted job');
      this.enqueue(row.id);
    }
  }

  private pump(): void {
    if (this.stopped || this.running !== undefined) return;
    const id = this.waiting.shift();
    if (id === undefined) return;
    const abort = new AbortController();
    const done = this.deps
      .execute(id, abort.signal)
      .catch((error: unknown) => {
        // A database failure mid-run: the lease lapses and a sweep resumes the job.
        this.deps.logger.error({ err: error, jobId: id }, 'job interrupted');
      })
      .finally(() => {
        this.running = undefined;
        this.changed();
        this.pump();
      });
    this.running = { id, abort, done };
    this.changed();
  }

  private changed(): void {
    this.deps.onBacklog?.(this.backlog());
  }
}
