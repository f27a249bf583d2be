import {
  type ConsistencyProofView,
  type InclusionProofView,
  type InclusionQuery,
  type IntegrityContract,
  LOG_ROLE_HEADER,
  type LogAppendReceipt,
  type LogAppendRequest,
  type LogCheckpointView,
} from '../../kernel/contracts/integrity.js';
import { ServiceClient } from '../../kit/service-client.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The Integrity contract over HTTP, for services in other processes (distributed mode). `headers`
 * supplies the caller's credentials for each request (by default the service API key from
 * ACGS_SERVICE_API_KEY), since appending needs the `service` role. The timeout is long because an
 * append is answered once its entry is durable.
 */
export class IntegrityClient implements IntegrityContract {
  readonly #client: ServiceClient;

  constructor(
    baseUrl: string | readonly string[],
    headers: () => Record<string, string> = serviceCredentialHeaders,
    timeoutMs = 35_000,
  ) {
    this.#client = new ServiceClient({
      service: 'integrity',
      baseUrls: baseUrl,
      credentials: headers,
      timeoutMs,
      // Appends go to the sequencer when it is among the replicas: another hands them over to it.
      betterElsewhere: (response) => response.headers.get(LOG_ROLE_HEADER) === 'replica',
    });
  }

  append(entry: LogAppendRequest): Promise<LogAppendReceipt> {
    // With a key, a second append returns the first one's receipt: another replica may be asked
    // at once when one cannot take it (its database connection busy or lost, shutting down).
    return this.#client.request({
      path: '/api/v1/log/entries',
      body: entry,
      idempotent: entry.key !== undefined,
    });
  }

  latestCheckpoint(): Promise<LogCheckpointView> {
    return this.#client.request({ path: '/api/v1/log/checkpoint' });
  }

  inclusionProof(query: InclusionQuery): Promise<InclusionProofView> {
    return this.#client.request({
      path: '/api/v1/log/proofs/inclusion',
      query: {
        ...('leafHash' in query ? { leafHash: query.leafHash } : { index: query.index }),
        size: query.size,
      },
    });
  }

  consistencyProof(from: number, to: number): Promise<ConsistencyProofView> {
    return this.#client.request({ path: '/api/v1/log/proofs/consistency', query: { from, to } });
  }
}
