/**
 * The council's durable timers. Nothing is kept in memory: each tick reads what is due from the
 * tables (proposals whose window ended, queued proposals past their timelock, review tasks past
 * their deadline) and claims each with a conditional update, so after a restart everything due
 * happens at once, and with several replicas exactly one replica does each thing. The scheduler
 * sleeps until the earliest due time it knows of, at most `tickMs`.
 */
import type { CouncilDeps } from './council-deps.js';
import { closeAtWindowEnd } from './usecases/close-proposal.js';
import { enactDue } from './usecases/enact-proposal.js';
import { expireTasks } from './usecases/review-tasks.js';

export class CouncilScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly deps: CouncilDeps) {}

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
