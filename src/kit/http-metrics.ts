import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds, fine at the low end where the decision API lives. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = 'service' | 'route' | 'method' | 'status_code';

interface BoundSeries {
  readonly requests: ReturnType<Counter<Labels>['labels']>;
  readonly duration: ReturnType<Histogram<Labels>['labels']>;
}

/**
 * The kit's HTTP metrics on a per-process registry (process metrics included).
 * Label children are bound once per (service, route, method, status) so the hot path only adds.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<Labels>;
  private readonly duration: Histogram<Labels>;
  private readonly bound = new Map<string, BoundSeries>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters fail `promtool check metrics`; their per-type siblings
    // (nodejs_active_handles{type=…}, …) carry the same information.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by service, route template, method and status code.',
      labelNames: ['service', 'route', 'method', 'status_code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, in seconds.',
      labelNames: ['service', 'route', 'method', 'status_code'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
  }

  observe(service: string, route: string, method: string, statusCode: number, seconds: number): void {
    const key = `${service}\u0000${route}\u0000${method}\u0000${statusCode}`;
    let series = this.bound.get(key);
    if (series === undefined) {
      const labels = { service, route, method, status_code: String(statusCode) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.bound.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
