/** The enforcement metrics: decisions by outcome, decision latency, and the active bundle. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Effect } from '../../policy/index.js';
import type { LoadedBundle } from './active-bundle.js';

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
