import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { commonErrors, type FieldError, PlatformError } from '../kernel/errors.js';
import { serviceCredentialHeaders } from './service-credentials.js';
import { platformTracer } from './trace-context.js';

/**
 * One HTTP client for every service contract (distributed mode). A contract's `client.ts` says
 * which route each method calls; this class does everything else once: base URLs, the service
 * credential, the timeout, a retry when the other side answers 503 with a short `Retry-After`,
 * and mapping answers back to the platform's one error model:
 *
 * - a problem+json answer with a `code` (4xx, or a 503/429 refusal such as `LOG_PUSHBACK`) is
 *   rethrown as a PlatformError with the same code, status, title, detail, field errors and
 *   `Retry-After`, so a caller sees the error the service raised;
 * - no answer (refused, reset, timed out), any other 5xx, a non-problem error answer or a
 *   success whose body is not JSON becomes `DEPENDENCY_UNAVAILABLE` (503, `Retry-After: 1`)
 *   naming the service, the status and the cause.
 *
 * @example
 * const log = new ServiceClient({ service: 'integrity', baseUrls: config.serviceUrls.integrity });
 * const checkpoint = await log.request<LogCheckpointView>({ path: '/api/v1/log/checkpoint' });
 */
export class ServiceClient {
  /**
   * The base URLs (replicas) in order of preference. A request goes to the one that answered
   * last; when a replica cannot be reached (connection refused or not made) or is shutting down
   * (503 `SHUTTING_DOWN`, answered before any work), the request moves on to the next one within
   * its deadline, and the one that answers is remembered. A request that reached a replica and
   * then failed (reset, timeout) is not sent again elsewhere — it may have been carried out — but
   * the next request starts at the next replica; an `idempotent` request moves on from any 503 or
   * reset at once.
   */
  readonly baseUrls: readonly string[];
  #preferred = 0;
  readonly service: string;
  readonly timeoutMs: number;
  readonly #credentials: () => Readonly<Record<string, string>>;
  readonly #retries: number;
  readonly #maxRetryDelayMs: number;
  readonly #betterElsewhere: ((response: Response) => boolean) | undefined;

  constructor(options: ServiceClientOptions) {
    const urls = typeof options.baseUrls === 'string' ? [options.baseUrls] : [...options.baseUrls];
    if (urls.length === 0) throw new TypeError(`${options.service} client: no base URL`);
    this.baseUrls = urls;
    this.service = options.service;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#credentials = options.credentials ?? serviceCredentialHeaders;
    this.#retries = options.retriesOn503 ?? DEFAULT_RETRIES;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    this.#betterElsewhere = options.betterElsewhere;
  }

  /**
   * Sends one request and returns the parsed JSON body of a 2xx answer (undefined for 204).
   * Inside a traced request it is a CLIENT span, and the W3C trace context goes along.
   */
  async request<T>(request: ServiceRequest): Promise<T> {
    if (trace.getActiveSpan() === undefined) return this.#request<T>(request);
    const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
    return platformTracer().startActiveSpan(
      `${method} ${this.service}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': method, 'acgs.peer.service': this.service },
      },
      async (span) => {
        try {
          return await this.#request<T>(request);
        } catch (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  async #request<T>(request: ServiceRequest): Promise<T> {
    const deadline = Date.now() + (request.timeoutMs ?? this.timeoutMs);
    for (let attempt = 0; ; attempt++) {
      const response = await this.#send(request, deadline);
      const text = await this.#read(response, request);
      if (response.ok) return this.#parse<T>(response, text, request);
      const error = this.#failure(response, text, request);
      const delayMs = retryDelayMs(response);
      const retry =
        response.status === 503 &&
        attempt < this.#retries &&
        delayMs !== undefined &&
        delayMs <= this.#maxRetryDelayMs &&
        Date.now() + delayMs < deadline;
      if (!retry) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** The replica requests go to first: the one that answered last. */
  #baseUrl(): string {
    return this.baseUrls[this.#preferred]!;
  }

  async #send(request: ServiceRequest, deadline: number): Promise<Response> {
    const count = this.baseUrls.length;
    const first = this.#preferred;
    for (let tried = 0; ; tried++) {
      const index = (first + tried) % count;
      const last = tried === count - 1 || Date.now() >= deadline;
      let response: Response;
      try {
        response = await this.#fetch(this.baseUrls[index]!, request, deadline);
      } catch (error) {
        if (!last && (neverSent(error) || (request.idempotent === true && !timedOut(error)))) continue;
        this.#preferred = index;
        const failure = this.unavailable(`did not answer ${describe(request)}`, error);
        // Reached and failed, or none left: the next request starts at the next replica.
        this.#preferred = (index + 1) % count;
        throw failure;
      }
      // A replica going away, or — for a request that may be sent twice — any replica that
      // refuses it for now (503): the next one may well take it.
      if (!last && (await refusedForNow(response, request))) continue;
      // An answer that says another replica would serve better: the next request tries the next one.
      this.#preferred = this.#betterElsewhere?.(response) ? (index + 1) % count : index;
      return response;
    }
  }

  #fetch(baseUrl: string, request: ServiceRequest, deadline: number): Promise<Response> {
    const url = new URL(request.path, baseUrl);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.authenticated !== false) Object.assign(headers, this.#credentials());
    propagation.inject(context.active(), headers);
    return fetch(url, {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
  }

  async #read(response: Response, request: ServiceRequest): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.unavailable(`broke off its answer to ${describe(request)}`, error);
    }
  }

  #parse<T>(response: Response, text: string, request: ServiceRequest): T {
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw this.unavailable(`sent malformed JSON for ${describe(request)}`, error);
    }
  }

  /** The PlatformError an error answer stands for (see the class comment). */
  #failure(response: Response, text: string, request: ServiceRequest): PlatformError {
    const problem = parseProblem(text);
    const passThrough =
      problem !== undefined && (response.status < 500 || response.status === 503) && response.status >= 400;
    if (!passThrough) {
      return this.unavailable(`answered ${response.status} to ${describe(request)}`);
    }
    const retryAfter = response.headers.get('retry-after');
    return new PlatformError(
      problem.code,
      response.status,
      problem.title ?? `${this.service} service error`,
      problem.detail ?? `${this.service} service answered ${response.status}`,
      {
        ...(problem.errors ? { errors: problem.errors } : {}),
        ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
      },
    );
  }

  /** `DEPENDENCY_UNAVAILABLE` (503, Retry-After 1) about this client's service. */
  unavailable(what: string, cause?: unknown): PlatformError {
    return commonErrors.create(
      'DEPENDENCY_UNAVAILABLE',
      `${this.service} service at ${this.#baseUrl()} ${what}`,
      {
        ...(cause === undefined ? {} : { cause }),
        headers: { 'retry-after': '1' },
      },
    );
  }
}

export interface ServiceClientOptions {
  /** The service's name in error messages ("integrity", "auth", …). */
  readonly service: string;
  /** One base URL, or several in order of preference. */
  readonly baseUrls: string | readonly string[];
  /** Budget for a whole call, retries included (default 2 s). */
  readonly timeoutMs?: number;
  /** Headers that authenticate this process (default: the service API key, `ACGS_SERVICE_API_KEY`). */
  readonly credentials?: () => Readonly<Record<string, string>>;
  /** How often a 503 with a `Retry-After` is retried (default 1). */
  readonly retriesOn503?: number;
  /** A 503 asking to wait longer than this is not retried but thrown (default 1 s). */
  readonly maxRetryDelayMs?: number;
  /**
   * Whether an answer says another replica would have served the request better (a log replica
   * that does not sequence hands appends over to the one that does): the next request then starts
   * at the next replica, so requests settle on one that does not say so. This answer still counts.
   */
  readonly betterElsewhere?: (response: Response) => boolean;
}

export interface ServiceRequest {
  /** Default: GET without a body, POST with one. */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path from the base URL, e.g. `/api/v1/log/checkpoint`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Present the service credential (default true). */
  readonly authenticated?: boolean;
  /** Overrides the client's budget for this call. */
  readonly timeoutMs?: number;
  /**
   * The request may be carried out twice with one effect (an append with an idempotency key): a
   * replica that refuses it (503) or breaks off is left for the next one at once, where otherwise
   * only a replica never reached or shutting down is.
   */
  readonly idempotent?: boolean;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_RETRIES = 1;
const DEFAULT_MAX_RETRY_DELAY_MS = 1000;

interface ProblemBody {
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
}

/** Codes of errors meaning the connection was never made, so the request was not sent. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function neverSent(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } } | undefined)?.cause;
  if (cause === undefined) return false;
  if (typeof cause.code === 'string' && CONNECT_FAILURES.has(cause.code)) return true;
  return (cause.errors ?? []).some((e) => typeof e.code === 'string' && CONNECT_FAILURES.has(e.code));
}

/**
 * Whether to try the next replica: one going away sheds requests before any work
 * (kit/shutdown-shedding.ts); an idempotent request moves on from any 503.
 */
async function refusedForNow(response: Response, request: ServiceRequest): Promise<boolean> {
  if (response.status !== 503) return false;
  if (request.idempotent === true) return true;
  return parseProblem(await response.clone().text())?.code === 'SHUTTING_DOWN';
}

function timedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function parseProblem(text: string): ProblemBody | undefined {
  try {
    const body = JSON.parse(text) as Partial<ProblemBody> | null;
    if (body === null || typeof body !== 'object' || typeof body.code !== 'string') return undefined;
    return {
      code: body.code,
      ...(typeof body.title === 'string' ? { title: body.title } : {}),
      ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
      ...(Array.isArray(body.errors) ? { errors: body.errors } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryDelayMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describe(request: ServiceRequest): string {
  return `${request.method ?? (request.body === undefined ? 'GET' : 'POST')} ${request.path}`;
}
