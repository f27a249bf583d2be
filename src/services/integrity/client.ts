import type {
  ConsistencyProofView,
  InclusionProofView,
  InclusionQuery,
  IntegrityContract,
  LogAppendReceipt,
  LogAppendRequest,
  LogCheckpointView,
} from '../../kernel/contracts/integrity.js';
import { commonErrors, PlatformError } from '../../kernel/errors.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The Integrity contract over HTTP, for services in other processes (distributed mode). `headers`
 * supplies the caller's credentials for each request (by default the service API key from
 * ACGS_SERVICE_API_KEY), since appending needs the `service` role.
 */
export class IntegrityClient implements IntegrityContract {
  constructor(
    private readonly baseUrl: string,
    private readonly headers: () => Record<string, string> = serviceCredentialHeaders,
    private readonly timeoutMs = 35_000,
  ) {}

  append(entry: LogAppendRequest): Promise<LogAppendReceipt> {
    return this.#call('/api/v1/log/entries', { method: 'POST', body: JSON.stringify(entry) });
  }

  latestCheckpoint(): Promise<LogCheckpointView> {
    return this.#call('/api/v1/log/checkpoint');
  }

  inclusionProof(query: InclusionQuery): Promise<InclusionProofView> {
    const params = new URLSearchParams();
    if ('leafHash' in query) params.set('leafHash', query.leafHash);
    else params.set('index', String(query.index));
    if (query.size !== undefined) params.set('size', String(query.size));
    return this.#call(`/api/v1/log/proofs/inclusion?${params}`);
  }

  consistencyProof(from: number, to: number): Promise<ConsistencyProofView> {
    return this.#call(`/api/v1/log/proofs/consistency?from=${from}&to=${to}`);
  }

  async #call<T>(path: string, init: { method?: string; body?: string } = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        ...init,
        headers: {
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.headers(),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw commonErrors.create(
        'DEPENDENCY_UNAVAILABLE',
        `integrity service at ${this.baseUrl} did not answer`,
        {
          cause: error,
          headers: { 'retry-after': '1' },
        },
      );
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    // Pass the service's problem on (same code, status and fields), so callers see one error model.
    let problem: { code?: string; title?: string; detail?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not problem+json
    }
    const retryAfter = response.headers.get('retry-after');
    throw new PlatformError(
      problem.code ?? 'DEPENDENCY_UNAVAILABLE',
      response.status,
      problem.title ?? 'Integrity service error',
      problem.detail ?? `integrity service answered ${response.status}`,
      retryAfter ? { headers: { 'retry-after': retryAfter } } : {},
    );
  }
}
