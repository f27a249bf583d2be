import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerProcessLimits } from './process-limits.js';

/** Latency buckets in seconds, fine at the low end where the decision API lives. */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** One (service, route, method, status) series: a request count and a latency histogram. */
class RequestSeries {
  count = 0;
  sum = 0;
  /** Non-cumulative bucket counts; the last slot is +Inf. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);

  constructor(readonly labels: string) {}

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]!++;
  }
}

/** Records the responses of one route and method, one series per status code. */
export class RouteRecorder {
  private readonly byStatus = new Map<number, RequestSeries>();

  constructor(
    private readonly labels: string,
    private readonly all: RequestSeries[],
  ) {}

  observe(statusCode: number, seconds: number): void {
    let series = this.byStatus.get(statusCode);
    if (series === undefined) {
      series = new RequestSeries(`${this.labels},status_code="${statusCode}"`);
      this.byStatus.set(statusCode, series);
      this.all.push(series);
    }
    series.observe(seconds);
  }
}

/**
 * The kit's HTTP metrics (`http_requests_total`, `http_request_duration_seconds`) plus process
 * metrics and whatever services register on `registry`. The two HTTP families are kept in plain
 * arrays rather than prom-client objects: recording is on every request's path, and prom-client
 * hashes its label objects on every observation (measured in bench/http-kit.bench.ts).
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly series: RequestSeries[] = [];
  private readonly recorders = new Map<string, RouteRecorder>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    registerProcessLimits(this.registry);
    // Gauges named like counters fail `promtool check metrics`; their per-type siblings
    // (nodejs_active_handles{type=…}, …) carry the same information.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(name);
    }
  }

  observe(service: string, route: string, method: string, statusCode: number, seconds: number): void {
    this.forRoute(service, route, method).observe(statusCode, seconds);
  }

  /** The recorder of one (service, route, method): bind it once per route, then record per status. */
  forRoute(service: string, route: string, method: string): RouteRecorder {
    const key = `${service} ${route} ${method}`;
    let recorder = this.recorders.get(key);
    if (recorder === undefined) {
      const labels = `service="${escapeLabelValue(service)}",route="${escapeLabelValue(route)}",method="${escapeLabelValue(method)}"`;
      recorder = new RouteRecorder(labels, this.series);
      this.recorders.set(key, recorder);
    }
    return recorder;
  }

  async text(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.httpText()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private httpText(): string {
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by service, route template, method and status code.',
      '# TYPE http_requests_total counter',
    ];
    for (const series of this.series) lines.push(`http_requests_total{${series.labels}} ${series.count}`);
    lines.push(
      '# HELP http_request_duration_seconds Time from receiving a request to sending its response, in seconds.',
      '# TYPE http_request_duration_seconds histogram',
    );
    for (const series of this.series) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += series.buckets[i]!;
        lines.push(`http_request_duration_seconds_bucket{le="${bound}",${series.labels}} ${cumulative}`);
      });
      lines.push(`http_request_duration_seconds_bucket{le="+Inf",${series.labels}} ${series.count}`);
      lines.push(`http_request_duration_seconds_sum{${series.labels}} ${series.sum}`);
      lines.push(`http_request_duration_seconds_count{${series.labels}} ${series.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Prometheus label-value escaping: backslash, double quote and newline. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
