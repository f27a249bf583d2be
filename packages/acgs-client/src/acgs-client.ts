/**
 * The ACGS decision API for TypeScript agents: `decide()`, `decideBatch()`, `waitForReview()`.
 * No dependency beyond the platform's HTTP API and Node's `http`/`https`.
 *
 * @example
 * const acgs = new AcgsClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.ACGS_API_KEY });
 * const d = await acgs.decide({ action: { type: 'issue_refund', amount: 40 }, resource: { type: 'order' } });
 * if (d.decision === 'review') await acgs.waitForReview(d.decisionId);
 */
import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  AcgsAuthError,
  AcgsError,
  AcgsRequestError,
  AcgsUnavailableError,
  type Problem,
  ReviewTimeoutError,
} from './client-errors.js';

export type Effect = 'allow' | 'deny' | 'review';

/** A decision request (the constitution's vocabulary says which attributes are valid). */
export interface DecisionRequest {
  readonly principal?: Record<string, unknown>;
  readonly action: { readonly type: string; readonly [attribute: string]: unknown };
  readonly resource?: Record<string, unknown>;
  readonly context?: Record<string, unknown>;
}

/** Where the decision sits in the integrity log. */
export interface LogReceipt {
  readonly leafHash: string;
  readonly index: number | null;
  readonly mode: string;
  readonly position: number;
}

export interface Decision {
  readonly decisionId: string;
  readonly decision: Effect;
  readonly defaultApplied: boolean;
  readonly matchedPolicies: readonly {
    policyId: string;
    version: number;
    effect: string;
    principles: string[];
  }[];
  readonly principles: readonly string[];
  readonly obligations: readonly Record<string, unknown>[];
  readonly reasons: readonly string[];
  readonly constitutionalHash: string;
  readonly bundleId: string;
  readonly logReceipt: LogReceipt;
}

export interface BatchDecision {
  readonly batchId: string;
  readonly constitutionalHash: string;
  readonly bundleId: string;
  readonly logReceipt: LogReceipt;
  readonly decisions: readonly (Omit<Decision, 'constitutionalHash' | 'bundleId' | 'logReceipt'> & {
    position: number;
  })[];
}

/** A review's outcome as the council reports it. */
export interface ReviewOutcome {
  readonly status: 'pending' | 'resolved';
  readonly decision: 'allow' | 'deny' | null;
  readonly via?: string;
  readonly resolvedAt?: string | null;
}

export interface AcgsClientOptions {
  /** The platform (embedded gateway or ingress), e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** An API key (`x-api-key`); its principal is who the decisions are about. */
  readonly apiKey?: string;
  /** Or a bearer token. */
  readonly token?: string;
  /** Attempts after the first on 503/429/unreachable (default 4). */
  readonly retries?: number;
  /** First backoff when the platform gives no Retry-After (default 200 ms, doubling, with jitter). */
  readonly baseDelayMs?: number;
  /** No single wait longer than this, Retry-After included (default 30 s). */
  readonly maxDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Extra headers on every request (e.g. `x-constitutional-hash` to pin a version). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called before each retry with why and how long it waits (metrics, logs). */
  readonly onRetry?: (retry: { attempt: number; status: number; code: string; delayMs: number }) => void;
}

const RETRYABLE = new Set([429, 503]);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export class AcgsClient {
  readonly url: string;
  private readonly options: AcgsClientOptions;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  constructor(options: AcgsClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.options = options;
  }

  /** Decides one request; the decision is in the log (or its durable outbox) before this returns. */
  decide(request: DecisionRequest, options: { explain?: boolean; signal?: AbortSignal } = {}) {
    const query = options.explain === true ? '?explain=true' : '';
    return this.call<Decision>('POST', `/api/v1/decisions${query}`, request, options.signal);
  }

  /** Decides up to 1,000 requests with one bundle, logged as one entry. */
  decideBatch(requests: readonly DecisionRequest[], options: { signal?: AbortSignal } = {}) {
    return this.call<BatchDecision>('POST', '/api/v1/decisions/batch', { requests }, options.signal);
  }

  /**
   * Waits for the human review of a `review` decision (the council's queue): long-polls the
   * outcome until it is resolved, and throws `ReviewTimeoutError` when `timeoutMs` (default 10
   * minutes) passes first. The council resolves overdue tasks by itself at their deadline.
   */
  async waitForReview(
    decisionId: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ReviewOutcome & { decision: 'allow' | 'deny' }> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ReviewTimeoutError(decisionId);
      const wait = Math.max(1, Math.min(30, Math.floor(left / 1000)));
      const outcome = await this.call<ReviewOutcome>(
        'GET',
        `/api/v1/reviews/${encodeURIComponent(decisionId)}/outcome?wait=${wait}`,
        undefined,
        options.signal,
        (wait + 10) * 1000,
      );
      if (outcome.status === 'resolved' && outcome.decision !== null)
        return outcome as ReviewOutcome & { decision: 'allow' | 'deny' };
      if (wait <= 1) await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  /** Any JSON route of the platform, with this client's credentials, retries and typed errors. */
  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    timeoutMs = this.options.timeoutMs ?? 10_000,
  ): Promise<T> {
    const retries = this.options.retries ?? 4;
    const base = this.options.baseDelayMs ?? 200;
    const max = this.options.maxDelayMs ?? 30_000;
    let last: AcgsError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const hint = last instanceof AcgsUnavailableError ? last.retryAfterSeconds : undefined;
        const backoff = base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        const delayMs = Math.min(max, hint === undefined ? backoff : hint * 1000);
        this.options.onRetry?.({ attempt, status: last!.status, code: last!.code, delayMs });
        await sleep(delayMs, signal);
      }
      const outcome = await this.attempt<T>(method, path, body, signal, timeoutMs, attempt + 1);
      if (!(outcome instanceof AcgsError)) return outcome;
      if (!(outcome instanceof AcgsUnavailableError)) throw outcome;
      last = outcome;
    }
    throw last!;
  }

  private headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    if (hasBody) headers['content-type'] = 'application/json';
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  /**
   * One HTTP exchange over a keep-alive agent. node:http rather than fetch: on Node 20, fetch
   * (undici) made about a fifth of the decisions per second at 32 in flight (bench/integrations).
   */
  private send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    const url = new URL(`${this.url}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = this.headers(payload !== undefined);
    if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        { method, headers, agent: secure ? this.httpsAgent : this.httpAgent, ...(signal === undefined ? {} : { signal }) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      const timer = setTimeout(() => request.destroy(new Error('CLIENT_TIMEOUT')), timeoutMs);
      request.on('close', () => clearTimeout(timer));
      request.on('error', reject);
      request.end(payload);
    });
  }

  /** Closes the kept-alive connections (a process that is done with the client). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async attempt<T>(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    attempts: number,
  ): Promise<T | AcgsError> {
    let response: { status: number; headers: IncomingHttpHeaders; text: string };
    try {
      response = await this.send(method, path, body, signal, timeoutMs);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = error instanceof Error && error.message === 'CLIENT_TIMEOUT';
      const code = timedOut ? 'CLIENT_TIMEOUT' : 'CLIENT_UNREACHABLE';
      return new AcgsUnavailableError(
        `${method} ${path}: ${timedOut ? 'no answer in time' : 'platform unreachable'}`,
        0,
        code,
        undefined,
        undefined,
        attempts,
        { cause: error },
      );
    }
    const { text } = response;
    if (response.status >= 200 && response.status < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    let problem: Problem | undefined;
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = undefined;
    }
    const code = problem?.code ?? `HTTP_${response.status}`;
    const message = `${method} ${path}: ${response.status} ${code}${problem?.detail ? `: ${problem.detail}` : ''}`;
    if (RETRYABLE.has(response.status))
      return new AcgsUnavailableError(
        message,
        response.status,
        code,
        problem,
        parseRetryAfter(String(response.headers['retry-after'] ?? '') || null),
        attempts,
      );
    if (response.status === 401 || response.status === 403)
      return new AcgsAuthError(message, response.status, code, problem);
    if (response.status >= 500) return new AcgsError(message, response.status, code, problem);
    return new AcgsRequestError(message, response.status, code, problem);
  }
}
