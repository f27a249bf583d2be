/**
 * What `acgs release` asks Prometheus between weight steps: the error rate and the p95 latency of
 * one colour of one service, over the kit's `http_requests_total` and
 * `http_request_duration_seconds` (health and metrics routes left out: probes are not traffic).
 */

/** The pods of one colour of one service, as the Deployments name them (acgs-<service>-<colour>-…). */
export interface ColourSelector {
  readonly namespace: string;
  readonly service: string;
  readonly colour: string;
}

function matchers({ namespace, service, colour }: ColourSelector): string {
  return `namespace="${namespace}",pod=~"acgs-${service}-${colour}-.+",route!~"/health/.*|/metrics"`;
}

/** Share of responses with a 5xx status over the window; NaN (no answer) when no request came. */
export function errorRateQuery(selector: ColourSelector, windowSeconds: number): string {
  const m = matchers(selector);
  return (
    `(sum(rate(http_requests_total{${m},status_code=~"5.."}[${windowSeconds}s])) or vector(0))` +
    ` / sum(rate(http_requests_total{${m}}[${windowSeconds}s]))`
  );
}

/** The 95th percentile of response time over the window, in seconds. */
export function p95Query(selector: ColourSelector, windowSeconds: number): string {
  return `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${matchers(selector)}}[${windowSeconds}s])))`;
}

/**
 * An instant query against Prometheus' HTTP API. Returns the single value, or undefined when the
 * result is empty or not a number (no traffic in the window); throws when Prometheus fails.
 */
export async function queryScalar(prometheusUrl: string, promql: string): Promise<number | undefined> {
  const url = new URL('/api/v1/query', prometheusUrl);
  url.searchParams.set('query', promql);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json().catch(() => undefined)) as
    | { status: string; error?: string; data?: { result: { value: [number, string] }[] } }
    | undefined;
  if (!response.ok || body?.status !== 'success')
    throw new Error(`Prometheus answered ${response.status}: ${body?.error ?? 'not a query result'}`);
  const [first] = body.data?.result ?? [];
  if (first === undefined) return undefined;
  const value = Number(first.value[1]);
  return Number.isFinite(value) ? value : undefined;
}
