/**
 * Verifications too large to answer within one request run as jobs: 202 with an id, then the
 * report (or the error) from `GET …/jobs/:id`. Jobs are rows of `fv_jobs` on the kit's durable
 * job queue (`src/kit/durable-job-queue.ts`), as the synthesis service's are: a job is stored
 * before `start` resolves, and a job a stopped process was running or had not yet started is
 * taken over by the next process and run again from the start (a verification is a function of
 * its request: the constitution version is named by hash), or, after `maxAttempts` interrupted
 * runs, marked failed with the reason. An accepted job is never lost. Finished jobs are
 * forgotten an hour after they finish.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../kernel/clock.js';
import type {
  VerificationContract,
  VerificationReport,
  VerifyRequest,
} from '../../../kernel/contracts/verification.js';
import { PlatformError } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import { DurableJobQueue, type DurableJobQueueSettings } from '../../../kit/durable-job-queue.js';
import { verificationErrors } from '../errors.js';
import type { VerificationJobRow, VerificationJobStatus, VerificationStore } from '../store.js';

export interface JobView {
  readonly id: string;
  readonly status: VerificationJobStatus;
  readonly startedAt: string;
  /** Runs started so far (more than one when a restart interrupted it). */
  readonly attempts: number;
  readonly report?: VerificationReport;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface VerificationJobsDeps {
  readonly verifier: VerificationContract;
  readonly store: VerificationStore;
  readonly clock: Clock;
  /** This process (its instance id): the lease holder. */
  readonly owner: string;
  readonly logger: Logger;
}

const KEEP_MS = 3_600_000;

/** Lease 60 s, 3 runs before an interrupted job is given up; at most 50 jobs waiting or running per process. */
export const DEFAULT_JOB_SETTINGS: DurableJobQueueSettings = {
  capacity: 50,
  leaseMs: 60_000,
  maxAttempts: 3,
};

export class VerificationJobs {
  private readonly queue: DurableJobQueue;

  constructor(
    private readonly deps: VerificationJobsDeps,
    private readonly settings: DurableJobQueueSettings = DEFAULT_JOB_SETTINGS,
  ) {
    this.queue = new DurableJobQueue(
      {
        store: deps.store,
        clock: deps.clock,
        owner: deps.owner,
        logger: deps.logger,
        execute: (id, signal) => this.execute(id, signal),
        giveUp: (id, attempts, nowMs) => this.giveUp(id, attempts, nowMs),
      },
      settings,
    );
  }

  /** Stores the job, then schedules it in this process. */
  async start(request: VerifyRequest): Promise<JobView> {
    // Jobs run one at a time: an unbounded backlog would hold every later caller's job for ever.
    if (this.queue.backlog() >= this.settings.capacity)
      throw verificationErrors.create(
        'VERIFICATION_JOBS_FULL',
        `${this.queue.backlog()} verification jobs are waiting or running here (capacity ${this.settings.capacity})`,
      );
    const now = this.deps.clock.now();
    await this.deps.store.deleteFinished(now - KEEP_MS);
    const row: VerificationJobRow = {
      id: newId(now),
      status: 'queued',
      constitution_hash: request.constitutionHash,
      request: JSON.stringify(request),
      report: null,
      error: null,
      attempts: 0,
      owner: this.deps.owner,
      lease_until_ms: now + this.settings.leaseMs,
      created_by: request.requestedBy ?? 'anonymous',
      created_ms: now,
      updated_ms: now,
    };
    await this.deps.store.insert(row);
    this.queue.enqueue(row.id);
    return view(row);
  }

  async get(id: string): Promise<JobView> {
    const row = await this.deps.store.get(id);
    if (row === undefined)
      throw verificationErrors.create('VERIFICATION_JOB_NOT_FOUND', `no verification job ${id}`);
    return view(row);
  }

  /** Takes over jobs a stopped process left, then keeps doing so every half lease period. */
  startQueue(): Promise<void> {
    return this.queue.start();
  }

  /** Stops taking jobs and lets go of the running one (the next process runs it again). */
  stopQueue(): Promise<void> {
    return this.queue.stop();
  }

  private async giveUp(id: string, attempts: number, nowMs: number): Promise<void> {
    await this.deps.store.updateOpen(id, {
      status: 'failed',
      error: JSON.stringify({
        code: 'VERIFICATION_INTERRUPTED',
        message: `interrupted ${attempts} times (the process running it stopped); not run again`,
      }),
      owner: null,
      updated_ms: nowMs,
    });
  }

  private async execute(id: string, signal: AbortSignal): Promise<void> {
    const row = await this.deps.store.get(id);
    if (row === undefined || (row.status !== 'queued' && row.status !== 'running')) return;
    const attempts = Number(row.attempts) + 1;
    if (!(await this.deps.store.updateOpen(id, { status: 'running', attempts, ...this.lease() }))) return;
    // One verification is one long step: its lease is renewed while it runs, so that no other
    // process takes the job over from a live one.
    let renewing: Promise<unknown> = Promise.resolve();
    const renewal = setInterval(() => {
      renewing = this.deps.store.updateOpen(id, this.lease()).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, jobId: id }, 'verification job lease not renewed');
      });
    }, this.settings.leaseMs / 3);
    renewal.unref();
    try {
      await this.run(id, row, signal);
    } finally {
      clearInterval(renewal);
      // A renewal still in flight must not re-take a job the queue is about to release.
      await renewing;
    }
  }

  private lease() {
    const now = this.deps.clock.now();
    return { owner: this.deps.owner, lease_until_ms: now + this.settings.leaseMs, updated_ms: now };
  }

  private async run(id: string, row: VerificationJobRow, signal: AbortSignal): Promise<void> {
    // A verification cannot stop halfway: at shutdown the job is let go at once (the queue
    // releases it) and whatever the interrupted run answers later is not written.
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted');
      signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const run = this.deps.verifier.verify(JSON.parse(row.request) as VerifyRequest).then(
      (report) => ({ report }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([run, aborted]);
    if (outcome === 'aborted') return;
    const finished = this.deps.clock.now();
    if ('report' in outcome) {
      await this.deps.store.updateOpen(id, {
        status: 'done',
        report: JSON.stringify(outcome.report),
        owner: null,
        updated_ms: finished,
      });
      return;
    }
    const e = outcome.error instanceof PlatformError ? outcome.error : undefined;
    if (e === undefined) this.deps.logger.error({ err: outcome.error, jobId: id }, 'verification job failed');
    await this.deps.store.updateOpen(id, {
      status: 'failed',
      error: JSON.stringify({
        code: e?.code ?? 'INTERNAL',
        message: e?.message ?? 'the verification failed',
      }),
      owner: null,
      updated_ms: finished,
    });
  }
}

function view(row: VerificationJobRow): JobView {
  return {
    id: row.id,
    status: row.status,
    startedAt: new Date(Number(row.created_ms)).toISOString(),
    attempts: Number(row.attempts),
    ...(row.report === null ? {} : { report: JSON.parse(row.report) as VerificationReport }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as { code: string; message: string } }),
  };
}
