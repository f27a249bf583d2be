/**
 * The synthesis jobs of one process: accepts jobs up to a capacity (then SYNTHESIS_QUEUE_FULL,
 * 503 with Retry-After), and keeps `policy_synthesis_queue_length` equal to this process's own
 * backlog (the autoscaler averages it per pod). Running, leases and the take-over of jobs a
 * stopped process left behind are the kit's durable job queue (`src/kit/durable-job-queue.ts`):
 * a job is stored before `submit` resolves, never lost, never run by two live processes at once;
 * an interrupted job is resumed from the start of its run while it has attempts left.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { DurableJobQueue, type DurableJobQueueSettings } from '../../kit/durable-job-queue.js';
import { synthesisErrors } from './errors.js';
import type { JobRequest } from './job-request.js';
import { type JobView, jobView } from './job-view.js';
import type { JobRow } from './store.js';
import type { SynthesisMetrics } from './synthesis-metrics.js';
import { type RunJobDeps, runJob } from './usecases/run-job.js';

/** Capacity (jobs waiting or running here before submissions are refused), lease, attempts. */
export type JobQueueSettings = DurableJobQueueSettings;

export class SynthesisJobs {
  private readonly queue: DurableJobQueue;

  constructor(
    private readonly deps: RunJobDeps & {
      readonly metrics: SynthesisMetrics;
      readonly logger: Logger;
      readonly clock: Clock;
      /** The provider of a job that names none. */
      readonly defaultProvider: string;
    },
    private readonly settings: JobQueueSettings,
  ) {
    this.queue = new DurableJobQueue(
      {
        store: deps.store,
        clock: deps.clock,
        owner: deps.owner,
        logger: deps.logger,
        execute: (id, signal) => this.execute(id, signal),
        giveUp: (id, attempts, nowMs) => this.giveUp(id, attempts, nowMs),
        onBacklog: (backlog) => deps.metrics.queueLength.set(backlog),
      },
      settings,
    );
  }

  /** The provider of a job that names none (ACGS_SYNTHESIS_PROVIDER, `builtin` unless set). */
  get defaultProvider(): string {
    return this.deps.defaultProvider;
  }

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
    this.queue.enqueue(row.id);
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
    this.queue.abort(id);
    this.deps.metrics.jobs.inc({ provider: row.provider, outcome: 'cancelled' });
    return this.get(id);
  }

  /** Takes over orphaned jobs, then keeps doing so every half lease period. */
  start(): Promise<void> {
    return this.queue.start();
  }

  /** Stops taking jobs and waits for the running one to reach its next stage. */
  stop(): Promise<void> {
    return this.queue.stop();
  }

  /** Jobs accepted by this process and not finished. */
  backlog(): number {
    return this.queue.backlog();
  }

  private async giveUp(id: string, attempts: number, nowMs: number): Promise<void> {
    const row = await this.deps.store.get(id);
    await this.deps.store.updateOpen(id, {
      status: 'failed',
      error: `interrupted ${attempts} times (the process running it stopped); not resumed again`,
      owner: null,
      updated_ms: nowMs,
    });
    if (row !== undefined) this.deps.metrics.jobs.inc({ provider: row.provider, outcome: 'failed' });
  }

  private async execute(id: string, signal: AbortSignal): Promise<void> {
    const row = await this.deps.store.get(id);
    if (row === undefined || (row.status !== 'queued' && row.status !== 'running')) return;
    const attempts = Number(row.attempts) + 1;
    if (!(await this.deps.store.updateOpen(id, { attempts, updated_ms: this.deps.clock.now() }))) return;
    const started = this.deps.clock.now();
    const outcome = await runJob(this.deps, { ...row, attempts }, signal);
    // A run cut short by a stopping process has no outcome: the job is resumed elsewhere.
    if (outcome === 'cancelled' && (await this.deps.store.get(id))?.status !== 'cancelled') return;
    const labels = { provider: row.provider, outcome };
    this.deps.metrics.jobDuration.observe(labels, (this.deps.clock.now() - started) / 1000);
    if (outcome !== 'cancelled') this.deps.metrics.jobs.inc(labels);
  }
}
