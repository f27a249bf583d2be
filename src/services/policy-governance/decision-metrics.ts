/** The enforcement metrics: decisions by outcome, decision latency, and the active bundle. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Effect } from '../../policy/index.js';
import type { LoadedBundle } from './active-bundle.js';
import type { LogMode } from './decision-log.js';

export class DecisionMetrics {
  readonly #decisions: Counter<'decision'>;
  readonly #duration: Histogram;
  readonly #bundle: Gauge<'bundle_id' | 'constitution_hash'>;
  readonly #byDecision: Record<Effect, Counter.Internal>;

  constructor(registry: Registry) {
    this.#decisions = new Counter({
      name: 'acgs_decisions_total',
      help: 'Decisions made, by outcome',
      labelNames: ['decision'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'acgs_decision_duration_seconds',
      help: 'Time to decide one request and log it (sync) or queue it (async), in seconds',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.#bundle = new Gauge({
      name: 'acgs_active_bundle_info',
      help: 'The policy bundle this replica decides with (value 1)',
      labelNames: ['bundle_id', 'constitution_hash'],
      registers: [registry],
    });
    this.#byDecision = {
      allow: this.#decisions.labels('allow'),
      deny: this.#decisions.labels('deny'),
      review: this.#decisions.labels('review'),
    };
    // Each outcome is exported from the start (at 0), so rates and alerts have a series to read.
    for (const child of Object.values(this.#byDecision)) child.inc(0);
  }

  /**
   * Reports, at each scrape, the decisions waiting for the log per mode and the bound beyond which
   * they are refused (the alert compares the two).
   */
  watchLogQueue(waiting: () => Readonly<Record<LogMode, number>>, limit: number, registry: Registry): void {
    new Gauge({
      name: 'acgs_decisions_log_pending',
      help: 'Decisions queued or in flight to the integrity log, by mode (sync: callers waiting; async: outbox writes)',
      labelNames: ['mode'],
      registers: [registry],
      collect() {
        const now = waiting();
        this.labels('sync').set(now.sync);
        this.labels('async').set(now.async);
      },
    });
    new Gauge({
      name: 'acgs_decisions_log_pending_limit',
      help: 'Decisions that may wait for the log per mode before new ones are refused with 503',
      registers: [registry],
    }).set(limit);
  }

  decided(decision: Effect): void {
    this.#byDecision[decision].inc();
  }

  /** One observation per request (a batch observes its per-request share of the time). */
  observe(seconds: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#duration.observe(seconds);
  }

  activeBundle(bundle: LoadedBundle): void {
    this.#bundle.reset();
    this.#bundle.labels(bundle.id, bundle.constitutionHash).set(1);
  }
}
