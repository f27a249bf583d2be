/**
 * The job queue of one process: accepts jobs up to a capacity (then SYNTHESIS_QUEUE_FULL, 503
 * with Retry-After), runs them one at a time in order, and keeps `policy_synthesis_queue_length`
 * equal to this process's own backlog (the autoscaler averages it per pod).
 *
 * Durability: a job MUST be stored before `submit` resolves (the 202 acknowledges it). On
 * `start`, and then every lease period, unfinished jobs that no live process holds (their lease
 * expired) are taken over: resumed from the start of their run while they have attempts left,
 * otherwise marked failed with the reason. A job is therefore never lost, and never run by two
 * live processes at once.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { synthesisErrors } from './errors.js';
import type { JobRequest } from './job-request.js';
import { type JobView, jobView } from './job-view.js';
import type { JobRow } from './store.js';
import type { SynthesisMetrics } from './synthesis-metrics.js';
import { type RunJobDeps, runJob } from './usecases/run-job.js';

export interface JobQueueSettings {
  /** Jobs waiting or running in this process before submissions are refused. */
  readonly capacity: number;
  /** How long a process holds a job without renewing; also the recovery sweep period. */
  readonly leaseMs: number;
  /** Runs a job may start before it is failed as repeatedly interrupted. */
  readonly maxAttempts: number;
}

export class SynthesisJobs {
  private readonly waiting: string[] = [];
  private running: { id: string; abort: AbortController; done: Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly deps: RunJobDeps & {
      readonly metrics: SynthesisMetrics;
      readonly logger: Logger;
      readonly clock: Clock;
    },
    private readonly settings: JobQueueSettings,
  ) {}

  /** Stores a queued job and schedules it; throws SYNTHESIS_QUEUE_FULL when this process is full. */
  async submit(input: JobRequest, caller: string): Promise<JobView> {
    const missing = (input.providers ?? [input.provider]).filter((name) => !this.deps.providers.has(name));
    if (missing.length > 0)
      throw synthesisErrors.create(
        'SYNTHESIS_PROVIDER_UNAVAILABLE',
        `provider ${missing.join(', ')} is not configured`,
        {
          details: {
            field: input.providers === undefined ? '/provider' : '/providers',
            available: [...this.deps.providers.keys()],
          },
        },
      );
    if (this.backlog() >= this.settings.capacity)
      throw synthesisErrors.create(
        'SYNTHESIS_QUEUE_FULL',
        `${this.backlog()} jobs are waiting or running here (capacity ${this.settings.capacity})`,
      );
    const now = this.deps.clock.now();
    const row: JobRow = {
      id: newId(now),
      status: 'queued',
      stage: 'queued',
      progress: 0,
      provider: input.provider,
      constitution_hash: input.constitutionHash,
      request: JSON.stringify(input),
      result: null,
      error: null,
      attempts: 0,
      owner: this.deps.owner,
      lease_until_ms: now + this.settings.leaseMs,
      created_by: caller,
      created_ms: now,
      updated_ms: now,
    };
    await this.deps.store.insert(row);
    this.enqueue(row.id);
    return jobView(row);
  }

  async get(id: string): Promise<JobView> {
    const row = await this.deps.store.get(id);
    if (row === undefined) throw synthesisErrors.create('SYNTHESIS_JOB_NOT_FOUND', `no job ${id}`);
    return jobView(row);
  }

  /** Cancels an unfinished job (stops it between stages if it runs); SYNTHESIS_JOB_FINISHED otherwise. */
  async cancel(id: string): Promise<JobView> {
    const row = await this.deps.store.get(id);
    if (row === undefined) throw synthesisErrors.create('SYNTHESIS_JOB_NOT_FOUND', `no job ${id}`);
    const cancelled = await this.deps.store.updateOpen(id, {
      status: 'cancelled',
      error: 'cancelled by request',
      owner: null,
      updated_ms: this.deps.clock.now(),
    });
    if (!cancelled) throw synthesisErrors.create('SYNTHESIS_JOB_FINISHED', `job ${id} is ${row.status}`);
    const at = this.waiting.indexOf(id);
    if (at >= 0) this.waiting.splice(at, 1);
    if (this.running?.id === id) this.running.abort.abort();
    this.deps.metrics.jobs.inc({ provider: row.provider, outcome: 'cancelled' });
    this.updateGauge();
    return this.get(id);
  }

  /** Takes over orphaned jobs, then keeps doing so every lease period. */
  async start(): Promise<void> {
    this.stopped = false;
    // A database away at start must not end the process: the timer's sweeps take the jobs over.
    await this.sweep().catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, 'synthesis job sweep failed; retried every lease period'),
    );
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'synthesis job sweep failed'),
      );
    }, this.settings.leaseMs / 2);
    this.timer.unref();
    this.pump(); // jobs accepted before the start
  }

  /** Stops taking jobs and waits for the running one to reach its next stage. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const interrupted = this.running?.id;
    this.running?.abort.abort();
    await this.running?.done;
    for (const id of [...(interrupted === undefined ? [] : [interrupted]), ...this.waiting.splice(0)])
      await this.deps.store.release(id, this.deps.owner);
    this.updateGauge();
  }

  /** Jobs accepted by this process and not finished. */
  backlog(): number {
    return this.waiting.length + (this.running === undefined ? 0 : 1);
  }

  private async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    for (const id of this.waiting)
      await this.deps.store.claim(id, this.deps.owner, now, this.settings.leaseMs);
    for (const row of await this.deps.store.orphaned(now)) {
      if (this.waiting.includes(row.id) || this.running?.id === row.id) continue;
      if (this.backlog() >= this.settings.capacity) break;
      if (!(await this.deps.store.claim(row.id, this.deps.owner, now, this.settings.leaseMs))) continue;
      if (Number(row.attempts) >= this.settings.maxAttempts) {
        await this.deps.store.updateOpen(row.id, {
          status: 'failed',
          error: `interrupted ${row.attempts} times (the process running it stopped); not resumed again`,
          owner: null,
          updated_ms: now,
        });
        this.deps.metrics.jobs.inc({ provider: row.provider, outcome: 'failed' });
        continue;
      }
      this.deps.logger.info(
        { jobId: row.id, attempts: row.attempts },
        'resuming an interrupted synthesis job',
      );
      this.enqueue(row.id);
    }
  }

  private enqueue(id: string): void {
    this.waiting.push(id);
    this.updateGauge();
    this.pump();
  }

  private pump(): void {
    if (this.stopped || this.running !== undefined) return;
    const id = this.waiting.shift();
    if (id === undefined) return;
    const abort = new AbortController();
    const done = this.execute(id, abort.signal).finally(() => {
      this.running = undefined;
      this.updateGauge();
      this.pump();
    });
    this.running = { id, abort, done };
    this.updateGauge();
  }

  private async execute(id: string, signal: AbortSignal): Promise<void> {
    try {
      const row = await this.deps.store.get(id);
      if (row === undefined || (row.status !== 'queued' && row.status !== 'running')) return;
      const attempts = Number(row.attempts) + 1;
      if (!(await this.deps.store.updateOpen(id, { attempts, updated_ms: this.deps.clock.now() }))) return;
      const started = this.deps.clock.now();
      const outcome = await runJob(this.deps, { ...row, attempts }, signal);
      const labels = { provider: row.provider, outcome };
      this.deps.metrics.jobDuration.observe(labels, (this.deps.clock.now() - started) / 1000);
      if (outcome !== 'cancelled') this.deps.metrics.jobs.inc(labels);
    } catch (error) {
      // A database failure mid-run: the lease lapses and a sweep resumes the job.
      this.deps.logger.error({ err: error, jobId: id }, 'synthesis job interrupted');
    }
  }

  private updateGauge(): void {
    this.deps.metrics.queueLength.set(this.backlog());
  }
}
