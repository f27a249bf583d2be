/**
 * Runs one load test against a running platform: builds decision requests from the active
 * constitution's scenario suites, drives them through autocannon phase by phase with a live
 * progress line, and summarises (requests/s, p50/p95/p99 from every response time, errors).
 */
import autocannon from 'autocannon';
import type { LoadPhase, ScenarioName } from './loadtest-scenarios.js';

export interface LoadTestOptions {
  readonly target: string;
  /** Where to read the active constitution (its scenarios); the target by default. */
  readonly constitutionUrl?: string;
  readonly scenario: ScenarioName;
  readonly phases: readonly LoadPhase[];
  /** Headers that authenticate the calls (an agent's API key). */
  readonly credentials: Readonly<Record<string, string>>;
  readonly mode: 'sync' | 'async';
  /** Requests per second each user sends (its think time is 1/rate); 0: as fast as answered. */
  readonly ratePerUser: number;
  /** Seconds of unmeasured traffic first (warms caches and the JIT); 0 for none. */
  readonly warmupSeconds: number;
  readonly progress: (line: string, final: boolean) => void;
}

export interface PhaseReport {
  readonly name: string;
  readonly users: number;
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Connection-level errors by code (timeouts, resets), beside the non-2xx answers. */
  readonly errorKinds: Readonly<Record<string, number>>;
}

export interface LoadTestReport {
  readonly scenario: ScenarioName;
  readonly target: string;
  readonly mode: 'sync' | 'async';
  readonly ratePerUser: number;
  /** The unmeasured warm-up: how long, how many requests, and how many failed. */
  readonly warmup: { readonly seconds: number; readonly requests: number; readonly errors: number };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly requestMix: { readonly scenarios: number; readonly byExpected: Readonly<Record<string, number>> };
  readonly phases: readonly PhaseReport[];
  readonly total: {
    readonly requests: number;
    readonly requestsPerSecond: number;
    readonly latencyMs: PhaseReport['latencyMs'];
    readonly errors: number;
    readonly errorRate: number;
  };
  /** How many answers had a decision other than the scenario's expected one (should be 0). */
  readonly unexpectedDecisions: number | null;
}

interface Scenario {
  readonly id: string;
  readonly request: unknown;
  readonly expected: string;
}

/** Every scenario of the active constitution, read with the caller's credentials. */
export async function loadScenarios(
  target: string,
  credentials: Readonly<Record<string, string>>,
): Promise<Scenario[]> {
  const response = await fetch(new URL('/api/v1/constitution/active', target), {
    headers: { ...credentials },
  });
  if (response.status !== 200)
    throw new Error(
      `GET /api/v1/constitution/active answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
    );
  const version = (await response.json()) as {
    document: { scenarioSuites: { id: string; scenarios: Scenario[] }[] };
  };
  const all = version.document.scenarioSuites.flatMap((suite) =>
    suite.scenarios.map((s) => ({ id: `${suite.id}/${s.id}`, request: s.request, expected: s.expected })),
  );
  if (all.length === 0) throw new Error('the active constitution has no scenarios to build requests from');
  return all;
}

class Latencies {
  #values = new Float64Array(1 << 16);
  #length = 0;

  add(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = ms;
  }

  merge(other: Latencies): void {
    for (const v of other.values()) this.add(v);
  }

  values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }

  summary(): PhaseReport['latencyMs'] {
    const sorted = Float64Array.from(this.values()).sort();
    const n = sorted.length;
    const at = (q: number) => (n === 0 ? 0 : round(sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!));
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: n === 0 ? 0 : round(sorted[n - 1]!),
      mean: n === 0 ? 0 : round(sum / n),
    };
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
/** How many staggered autocannon instances share the users of a paced phase. */
const GROUPS = 20;
/** Connections of the warm-up (it only needs to exercise every path once or many times). */
const WARMUP_CONNECTIONS = 32;

export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestReport> {
  const scenarios = await loadScenarios(options.constitutionUrl ?? options.target, options.credentials);
  const byExpected: Record<string, number> = {};
  for (const s of scenarios) byExpected[s.expected] = (byExpected[s.expected] ?? 0) + 1;
  const path = `/api/v1/decisions${options.mode === 'async' ? '?mode=async' : ''}`;
  const headers = { 'content-type': 'application/json', ...options.credentials };
  let unexpected = 0;
  let checked = 0;
  let next = 0;
  const bodies = scenarios.map((s) => JSON.stringify(s.request));
  const warmup = { seconds: options.warmupSeconds, requests: 0, errors: 0 };
  if (options.warmupSeconds > 0) {
    options.progress(`[${options.scenario}/warm-up] ${options.warmupSeconds}s, not measured`, false);
    const result = await autocannon({
      url: options.target,
      connections: Math.min(WARMUP_CONNECTIONS, options.phases[0]?.users ?? 1),
      duration: options.warmupSeconds,
      timeout: 30,
      requests: scenarios.map((s) => ({
        method: 'POST' as const,
        path,
        headers,
        body: JSON.stringify(s.request),
      })),
    });
    warmup.requests = result.requests.total;
    warmup.errors = result.errors + result.non2xx;
    options.progress('', true);
  }
  const startedAt = new Date();
  const phases: PhaseReport[] = [];
  const all = new Latencies();
  for (const phase of options.phases) {
    const latencies = new Latencies();
    const statusCodes: Record<string, number> = {};
    const errorKinds: Record<string, number> = {};
    let responses = 0;
    let lastResponses = 0;
    let errors = 0;
    let timeouts = 0;
    // One request template whose body cycles through the scenarios (shared by all users, so the
    // mix is the suite's). Not one autocannon request per scenario: with a request list and
    // `connectionRate`, autocannon starts the clock before a paced request waits for its second,
    // adding up to a second of phantom latency.
    const requests = [
      {
        method: 'POST' as const,
        path,
        headers,
        setupRequest: (request: autocannon.Request, context: Record<string, unknown>) => {
          const i = next++ % scenarios.length;
          context.expected = scenarios[i]!.expected;
          return { ...request, body: bodies[i]! };
        },
        onResponse: (status: number, body: string, context: Record<string, unknown>) => {
          if (status !== 200 || checked >= 20_000) return;
          checked++;
          if (!body.includes(`"decision":"${String(context.expected)}"`)) unexpected++;
        },
      },
    ] as unknown as autocannon.Request[];
    // Users who pace themselves (rate > 0) start spread over their first second, in groups, as
    // people and agents do; otherwise autocannon would fire every user's request in the same
    // millisecond of every second. Closed-loop users (rate 0) all start at once.
    const groups = options.ratePerUser > 0 ? Math.min(GROUPS, phase.users) : 1;
    const started = performance.now();
    const ticker = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const rate = responses - lastResponses;
      lastResponses = responses;
      const recent = latencies.values();
      options.progress(
        `[${options.scenario}/${phase.name}] ${elapsed.toFixed(0)}/${phase.seconds}s  users ${phase.users}  ${rate} req/s  total ${responses}  errors ${errors + count(statusCodes, (c) => c !== '200')}  last ${recent.length > 0 ? round(recent[recent.length - 1]!) : 0} ms`,
        false,
      );
    }, 1000);
    const runs = Array.from({ length: groups }, async (_, g) => {
      const connections = Math.floor(phase.users / groups) + (g < phase.users % groups ? 1 : 0);
      if (g > 0) await new Promise((r) => setTimeout(r, (1000 * g) / groups));
      // Without a callback autocannon returns its tracker (an event emitter) made thenable.
      const instance = autocannon({
        url: options.target,
        connections,
        duration: phase.seconds,
        timeout: 30,
        ...(options.ratePerUser > 0 ? { connectionRate: options.ratePerUser } : {}),
        // Every connection cycles through all the scenarios, so the mix is the suite's.
        requests,
      }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
      instance.on(
        'response',
        (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
          responses++;
          statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
          latencies.add(responseTime);
        },
      );
      instance.on('reqError', (error: Error & { code?: string }) => {
        errors++;
        const kind = error.code ?? error.message ?? 'error';
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      });
      const result = await instance;
      timeouts += result.timeouts;
      return result;
    });
    await Promise.all(runs);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(ticker);
    const non2xx = count(statusCodes, (c) => !c.startsWith('2'));
    phases.push({
      name: phase.name,
      users: phase.users,
      seconds: phase.seconds,
      requests: responses,
      requestsPerSecond: round(responses / Math.max(seconds, 0.001)),
      latencyMs: latencies.summary(),
      errors: errors + non2xx,
      non2xx,
      timeouts,
      statusCodes,
      errorKinds,
    });
    all.merge(latencies);
    options.progress('', true);
  }
  const requests = phases.reduce((n, p) => n + p.requests, 0);
  const errors = phases.reduce((n, p) => n + p.errors, 0);
  const seconds = phases.reduce((n, p) => n + p.requests / Math.max(p.requestsPerSecond, 1e-9), 0);
  return {
    scenario: options.scenario,
    target: options.target,
    mode: options.mode,
    ratePerUser: options.ratePerUser,
    warmup,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    requestMix: { scenarios: scenarios.length, byExpected },
    phases,
    total: {
      requests,
      requestsPerSecond: round(requests / Math.max(seconds, 0.001)),
      latencyMs: all.summary(),
      errors,
      errorRate: requests + errors === 0 ? 0 : round((errors / (requests + errors)) * 10000) / 10000,
    },
    unexpectedDecisions: checked === 0 ? null : unexpected,
  };
}

function count(codes: Readonly<Record<string, number>>, keep: (code: string) => boolean): number {
  let n = 0;
  for (const [code, c] of Object.entries(codes)) if (keep(code)) n += c;
  return n;
}
