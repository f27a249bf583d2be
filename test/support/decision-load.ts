/**
 * A steady decision load for outage tests: requests at a fixed rate, spread over the PGC replicas
 * the way a load balancer would (round robin, and a request a replica cannot take — refused
 * connection, shutting down — is sent to the next one). Every answer is recorded, so a test can
 * tell what was acknowledged, when, and how fast.
 */

export interface DecisionRequest {
  readonly kind: 'allow' | 'deny' | 'review';
  readonly body: unknown;
}

export interface DecisionOutcome {
  /** ms since the load started, when the request was sent. */
  readonly at: number;
  readonly ms: number;
  readonly kind: DecisionRequest['kind'];
  /** HTTP status, or 0 when no replica answered. */
  readonly status: number;
  readonly code?: string;
  /** A refusal's problem detail (which dependency, what failed). */
  readonly detail?: string;
  readonly decisionId?: string;
  readonly decision?: string;
  readonly index?: number;
  readonly position?: number;
}

export interface DecisionLoadOptions {
  /** PGC base URLs (read on every request, so replicas can be swapped). */
  readonly replicas: () => readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: readonly DecisionRequest[];
  /** Requests per second (default 100). */
  readonly rate?: number;
  /**
   * Most requests waiting for an answer at once (default 300); a request due beyond it is not
   * sent and recorded with status -1, so a platform that stops answering cannot exhaust the test.
   */
  readonly maxInFlight?: number;
}

export class DecisionLoad {
  readonly outcomes: DecisionOutcome[] = [];
  readonly started = performance.now();
  #running = true;
  #next = 0;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #loop: Promise<void>;

  constructor(private readonly options: DecisionLoadOptions) {
    this.#loop = this.#run();
  }

  /** ms since the load started. */
  now(): number {
    return performance.now() - this.started;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Outcomes of requests sent in [from, to) (ms since start). */
  between(from: number, to: number): DecisionOutcome[] {
    return this.outcomes.filter((o) => o.at >= from && o.at < to);
  }

  async #run(): Promise<void> {
    const interval = 1000 / (this.options.rate ?? 100);
    let due = performance.now();
    let i = 0;
    while (this.#running) {
      const request = this.options.requests[i++ % this.options.requests.length]!;
      if (this.#inFlight.size >= (this.options.maxInFlight ?? 300)) {
        this.outcomes.push({ at: this.now(), ms: 0, kind: request.kind, status: -1, code: 'NOT_SENT' });
      } else {
        const sent = this.#send(request);
        this.#inFlight.add(sent);
        void sent.finally(() => this.#inFlight.delete(sent));
      }
      // Open loop at a fixed rate, but never a burst to catch up after a stall, and always a
      // real wait: the answers (and this process's other work) need the event loop.
      due = Math.max(due + interval, performance.now());
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
  }

  async #send(request: DecisionRequest): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const replicas = this.options.replicas();
    let outcome: Omit<DecisionOutcome, 'at' | 'ms' | 'kind'> = { status: 0 };
    for (let attempt = 0; attempt < replicas.length; attempt++) {
      const url = replicas[this.#next++ % replicas.length]!;
      try {
        const response = await fetch(`${url}/api/v1/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.options.headers },
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await response.json()) as Record<string, unknown>;
        // snake_case today; camelCase once the decision API moves to the platform's convention.
        const receipt = (body.log_receipt ?? body.logReceipt) as
          | { index: number | null; position: number }
          | undefined;
        const decisionId = body.decision_id ?? body.decisionId;
        outcome = {
          status: response.status,
          ...(typeof body.code === 'string' ? { code: body.code } : {}),
          ...(response.status !== 200 && typeof body.detail === 'string' ? { detail: body.detail } : {}),
          ...(typeof decisionId === 'string' ? { decisionId } : {}),
          ...(typeof body.decision === 'string' ? { decision: body.decision } : {}),
          ...(receipt && receipt.index !== null ? { index: receipt.index, position: receipt.position } : {}),
        };
        // A load balancer takes a replica that is going away out of rotation and retries.
        if (response.status === 503 && outcome.code === 'SHUTTING_DOWN') continue;
        break;
      } catch (error) {
        // Connection refused or reset: the replica is gone; try the next one. A timeout is final.
        if (error instanceof Error && error.name === 'TimeoutError') {
          outcome = { status: 0, code: 'CLIENT_TIMEOUT' };
          break;
        }
      }
    }
    this.outcomes.push({ at, ms: performance.now() - started, kind: request.kind, ...outcome });
  }
}

/**
 * The outage tests' mix from a constitution document's scenarios: five allow, four deny and one
 * review request (nine allow or deny for each review).
 */
export function decisionMix(document: unknown): DecisionRequest[] {
  const scenarios = (
    document as { scenarioSuites: { scenarios: { request: unknown; expected: string }[] }[] }
  ).scenarioSuites.flatMap((s) => s.scenarios);
  const pick = (kind: DecisionRequest['kind'], n: number) =>
    scenarios
      .filter((s) => s.expected === kind)
      .slice(0, n)
      .map((s) => ({ kind, body: s.request }));
  return [...pick('allow', 5), ...pick('deny', 4), ...pick('review', 1)];
}

/** The q-quantile (0–1) of `values`, or NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
