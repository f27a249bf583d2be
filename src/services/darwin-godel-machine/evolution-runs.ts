/**
 * The evolution runs of one process, on the kit's durable job queue: a run is stored before
 * `submit` resolves, runs one at a time, is taken over by the next process after a restart and
 * resumed from its last stored iteration; cancellation stops it at the next iteration.
 */

import type { Logger } from 'pino';
import { newId } from '../../kernel/ids.js';
import { DurableJobQueue, type DurableJobQueueSettings } from '../../kit/durable-job-queue.js';
import { type JobViewFields, jobViewFields } from '../../kit/job-view.js';
import { evolutionErrors } from './errors.js';
import type { ArchiveEntry } from './search/archive.js';
import type { RunRow } from './store.js';
import { proposeVariant } from './usecases/propose-variant.js';
import { type RunDeps, type RunRequest, runEvolution } from './usecases/run-evolution.js';

/** A run as the API shows it. */
export interface RunView extends JobViewFields {
  readonly iteration: number;
  readonly iterations: number;
  readonly seed: number;
}

export class EvolutionRuns {
  private readonly queue: DurableJobQueue;

  constructor(
    private readonly deps: RunDeps & { readonly logger: Logger },
    private readonly settings: DurableJobQueueSettings,
  ) {
    this.queue = new DurableJobQueue(
      {
        store: deps.store,
        clock: deps.clock,
        owner: deps.owner,
        logger: deps.logger,
        execute: (id, signal) => this.execute(id, signal),
        giveUp: async (id, attempts, nowMs) => {
          await deps.store.updateOpen(id, {
            status: 'failed',
            error: `interrupted ${attempts} times; not resumed again`,
            owner: null,
            updated_ms: nowMs,
          });
        },
      },
      settings,
    );
  }

  async submit(request: RunRequest, constitutionHash: string, caller: string): Promise<RunView> {
    if (this.queue.backlog() >= this.settings.capacity)
      throw evolutionErrors.create(
        'EVOLUTION_QUEUE_FULL',
        `${this.queue.backlog()} runs are waiting or running here`,
      );
    const now = this.deps.clock.now();
    const row: RunRow = {
      id: newId(now),
      status: 'queued',
      progress: 0,
      constitution_hash: constitutionHash,
      request: JSON.stringify(request),
      state: null,
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
    return runView(row);
  }

  async get(id: string): Promise<RunView> {
    return runView(await this.row(id));
  }

  async cancel(id: string): Promise<RunView> {
    const row = await this.row(id);
    const cancelled = await this.deps.store.updateOpen(id, {
      status: 'cancelled',
      error: 'cancelled by request',
      owner: null,
      updated_ms: this.deps.clock.now(),
    });
    if (!cancelled) throw evolutionErrors.create('EVOLUTION_RUN_FINISHED', `run ${id} is ${row.status}`);
    this.queue.abort(id);
    return this.get(id);
  }

  /** The archive with its lineage (every entry's parent, operator, change, scores, verification). */
  async lineage(id: string): Promise<{ readonly run: RunView; readonly entries: readonly ArchiveEntry[] }> {
    const run = await this.get(id);
    return { run, entries: await this.deps.store.entries(id) };
  }

  /** Proposes one admissible variant of a run to the council. */
  async propose(
    id: string,
    variantId: string,
  ): Promise<{ readonly proposalId: string; readonly bundleId: string }> {
    await this.row(id);
    if (this.deps.council === undefined)
      throw evolutionErrors.create('EVOLUTION_COUNCIL_UNAVAILABLE', 'no council is wired to this service');
    return proposeVariant(this.deps.council, id, await this.deps.store.entries(id), variantId);
  }

  start(): Promise<void> {
    return this.queue.start();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  private async row(id: string): Promise<RunRow> {
    const row = await this.deps.store.get(id);
    if (row === undefined) throw evolutionErrors.create('EVOLUTION_RUN_NOT_FOUND', `no run ${id}`);
    return row;
  }

  private async execute(id: string, signal: AbortSignal): Promise<void> {
    const row = await this.deps.store.get(id);
    if (row === undefined || (row.status !== 'queued' && row.status !== 'running')) return;
    const attempts = Number(row.attempts) + 1;
    if (!(await this.deps.store.updateOpen(id, { attempts, updated_ms: this.deps.clock.now() }))) return;
    const outcome = await runEvolution(this.deps, { ...row, attempts }, signal);
    this.deps.logger.info({ runId: id, outcome }, 'evolution run step ended');
  }
}

export function runView(row: RunRow): RunView {
  const request = JSON.parse(row.request) as RunRequest;
  const state = row.state === null ? undefined : (JSON.parse(row.state) as { iteration: number });
  return {
    ...jobViewFields(row),
    iteration: state?.iteration ?? 0,
    iterations: request.iterations,
    seed: request.seed,
  };
}
