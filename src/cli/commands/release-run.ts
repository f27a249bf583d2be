/**
 * A blue-green release, step by step: move `percent` of each service's traffic to the new colour,
 * wait, ask Prometheus for the new colour's error rate and p95, and go on only while both are
 * within their limits; otherwise put all traffic back on the old colour.
 */
import { COLOURS, type Colour, type Weights, weightsFor } from './release-kubectl.js';
import { type ColourSelector, errorRateQuery, p95Query } from './release-prometheus.js';

export interface ReleaseLimits {
  /** Highest share of 5xx responses the new colour may answer (0.01 = 1 %). */
  readonly maxErrorRate: number;
  /** Highest p95 response time of the new colour, in seconds. */
  readonly maxP95Seconds: number;
  /** The Prometheus window the rates are taken over, in seconds. */
  readonly windowSeconds: number;
}

export interface PromoteOptions {
  readonly namespace: string;
  readonly services: readonly string[];
  readonly to: Colour;
  /** Percentages of traffic for the new colour, ending at 100 (default 10, 50, 100). */
  readonly steps: readonly number[];
  /** How long each step runs before it is judged, in milliseconds. */
  readonly waitMs: number;
  readonly limits: ReleaseLimits;
}

/** What a release does to the world; `acgs release` passes kubectl, Prometheus and a timer. */
export interface ReleaseActions {
  waitForRollout(service: string, colour: Colour): Promise<void>;
  setWeights(service: string, weights: Weights): Promise<void>;
  query(promql: string): Promise<number | undefined>;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

export interface StepVerdict {
  readonly service: string;
  readonly errorRate: number | undefined;
  readonly p95Seconds: number | undefined;
  /** Why the step failed for this service; empty when it passed. */
  readonly problems: readonly string[];
}

export type PromoteResult =
  | { readonly outcome: 'promoted'; readonly steps: readonly number[] }
  | { readonly outcome: 'rolled-back'; readonly failedAt: number; readonly verdicts: readonly StepVerdict[] };

export function otherColour(colour: Colour): Colour {
  return colour === COLOURS[0] ? COLOURS[1] : COLOURS[0];
}

/** Judges one service's new colour against the limits; no traffic at all is a failure too. */
export async function judge(
  selector: ColourSelector,
  limits: ReleaseLimits,
  query: ReleaseActions['query'],
): Promise<StepVerdict> {
  const errorRate = await query(errorRateQuery(selector, limits.windowSeconds));
  const p95Seconds = await query(p95Query(selector, limits.windowSeconds));
  const problems: string[] = [];
  if (errorRate === undefined)
    problems.push(`no requests reached ${selector.colour} in the last ${limits.windowSeconds} s`);
  else if (errorRate > limits.maxErrorRate)
    problems.push(
      `error rate ${formatShare(errorRate)} is over the limit ${formatShare(limits.maxErrorRate)}`,
    );
  if (p95Seconds !== undefined && p95Seconds > limits.maxP95Seconds)
    problems.push(
      `p95 ${formatSeconds(p95Seconds)} is over the limit ${formatSeconds(limits.maxP95Seconds)}`,
    );
  return { service: selector.service, errorRate, p95Seconds, problems };
}

/** Promotes `to` step by step; rolls every service back to the other colour when a step fails. */
export async function promote(options: PromoteOptions, actions: ReleaseActions): Promise<PromoteResult> {
  const from = otherColour(options.to);
  for (const service of options.services) await actions.waitForRollout(service, options.to);
  for (const step of options.steps) {
    for (const service of options.services) await actions.setWeights(service, weightsFor(options.to, step));
    actions.log(
      `${step} % of traffic on ${options.to} (${options.services.join(', ')}); judging in ${options.waitMs / 1000} s`,
    );
    await actions.sleep(options.waitMs);
    const verdicts: StepVerdict[] = [];
    for (const service of options.services) {
      verdicts.push(
        await judge(
          { namespace: options.namespace, service, colour: options.to },
          options.limits,
          actions.query,
        ),
      );
    }
    for (const v of verdicts) {
      actions.log(
        `  ${v.service}: error rate ${v.errorRate === undefined ? 'n/a' : formatShare(v.errorRate)}, p95 ${v.p95Seconds === undefined ? 'n/a' : formatSeconds(v.p95Seconds)}${v.problems.length > 0 ? ` — ${v.problems.join('; ')}` : ''}`,
      );
    }
    if (verdicts.some((v) => v.problems.length > 0)) {
      await rollback(options.services, from, actions);
      return { outcome: 'rolled-back', failedAt: step, verdicts };
    }
  }
  return { outcome: 'promoted', steps: options.steps };
}

/** All traffic of every service to `colour`. */
export async function rollback(
  services: readonly string[],
  colour: Colour,
  actions: ReleaseActions,
): Promise<void> {
  for (const service of services) await actions.setWeights(service, weightsFor(colour, 100));
  actions.log(`all traffic back on ${colour} (${services.join(', ')})`);
}

function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

function formatSeconds(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}
