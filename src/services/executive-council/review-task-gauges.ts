/**
 * The review queue's gauges, `acgs_review_tasks_open{queue}` and `acgs_review_tasks_overdue`,
 * counted when `/metrics` is scraped (one index-only query for both; the store's `taskCounts`).
 * A database that cannot answer leaves the last counts in place: the scrape itself must not fail.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CouncilDeps } from './council-deps.js';

interface Counts {
  readonly open: Map<string, number>;
  readonly overdue: number;
}

export function registerReviewTaskGauges(deps: CouncilDeps, registry: Registry): void {
  let last: Counts = { open: new Map(), overdue: 0 };
  let reading: Promise<Counts> | undefined;
  const read = (): Promise<Counts> => {
    reading ??= deps.store
      .taskCounts(deps.clock.now())
      .then(
        (counts) => {
          last = counts;
          return counts;
        },
        (error: unknown) => {
          deps.logger.warn({ err: error }, 'review task counts not read; the gauges keep their last values');
          return last;
        },
      )
      .finally(() => {
        // Both gauges of one scrape share the read; the next scrape reads again.
        setImmediate(() => {
          reading = undefined;
        });
      });
    return reading;
  };
  new Gauge({
    name: 'acgs_review_tasks_open',
    help: 'Review tasks not yet resolved, by queue.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const { open } = await read();
      this.reset();
      for (const [queue, n] of open) this.set({ queue }, n);
    },
  });
  new Gauge({
    name: 'acgs_review_tasks_overdue',
    help: 'Unresolved review tasks past their deadline (held by a live claim, or about to expire).',
    registers: [registry],
    async collect() {
      this.set((await read()).overdue);
    },
  });
}
