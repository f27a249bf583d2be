/**
 * The council's durable timers. Nothing is kept in memory: each tick reads what is due from the
 * tables (proposals whose window ended, queued proposals past their timelock, review tasks past
 * their deadline) and claims each with a conditional update, so after a restart everything due
 * happens at once, and with several replicas exactly one replica does each thing. The scheduler
 * sleeps until the earliest due time it knows of, at most `tickMs`.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CouncilDeps } from './council-deps.js';
import { closeAtWindowEnd } from './usecases/close-proposal.js';
import { enactDue } from './usecases/enact-proposal.js';
import { expireTasks } from './usecases/review-tasks.js';

export class CouncilScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: CouncilDeps,
    metrics: Registry,
  ) {
    // Counted when scraped, not on every pass: a pass may run every few milliseconds.
    const counts = new ReviewTaskCounts(deps);
    new Gauge({
      name: 'acgs_review_tasks_open',
      help: 'Review tasks not yet resolved, by queue.',
      labelNames: ['queue'],
      registers: [metrics],
      async collect() {
        const { open } = await counts.read();
        this.reset();
        for (const [queue, n] of open) this.set({ queue }, n);
      },
    });
    new Gauge({
      name: 'acgs_review_tasks_overdue',
      help: 'Unresolved review tasks past their deadline (held by a live claim, or about to expire).',
      registers: [metrics],
      async collect() {
        this.set((await counts.read()).overdue);
      },
    });
  }

  start(): void {
    this.stopped = false;
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs one pass now (also what the timer does); resolves when it is done. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Something became due sooner (a vote, a proposal): look again now. */
  poke(): void {
    if (!this.stopped) this.wake(0);
  }

  private wake(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.tick().then(async () => {
        if (this.stopped) return;
        this.wake(await this.sleepMs());
      });
    }, ms);
    this.timer.unref();
  }

  private async sleepMs(): Promise<number> {
    try {
      const next = await this.deps.store.nextDueMs();
      const until = next === undefined ? this.deps.settings.tickMs : next - this.deps.clock.now();
      return Math.max(5, Math.min(this.deps.settings.tickMs, until));
    } catch {
      return this.deps.settings.tickMs;
    }
  }

  private async pass(): Promise<void> {
    const { deps } = this;
    try {
      const nowMs = deps.clock.now();
      for (const id of await deps.store.dueToClose(nowMs, 100)) await closeAtWindowEnd(deps, id);
      for (const id of await deps.store.dueToEnact(deps.clock.now(), 20)) await enactDue(deps, id);
      await expireTasks(deps);
    } catch (error) {
      deps.logger.warn({ err: error }, 'council scheduler pass failed; retrying on the next tick');
    }
  }
}

/**
 * The review queue's counts for one scrape: both gauges share one query, and a database that
 * cannot answer leaves the last counts in place (the scrape itself must not fail).
 */
class ReviewTaskCounts {
  #last: { open: Map<string, number>; overdue: number } = { open: new Map(), overdue: 0 };
  #reading: Promise<{ open: Map<string, number>; overdue: number }> | undefined;

  constructor(private readonly deps: CouncilDeps) {}

  read(): Promise<{ open: Map<string, number>; overdue: number }> {
    this.#reading ??= this.deps.store
      .taskCounts(this.deps.clock.now())
      .then(
        (counts) => {
          this.#last = counts;
          return counts;
        },
        (error: unknown) => {
          this.deps.logger.warn(
            { err: error },
            'review task counts not read; the gauges keep their last values',
          );
          return this.#last;
        },
      )
      .finally(() => {
        // Both gauges of one scrape share the read; the next scrape reads again.
        setImmediate(() => {
          this.#reading = undefined;
        });
      });
    return this.#reading;
  }
}
