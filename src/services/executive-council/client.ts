import type {
  ActivationProposalRequest,
  CouncilContract,
  CouncilProposalStatus,
  RatificationRequest,
  VariantAdoptionRequest,
} from '../../kernel/contracts/council.js';
import { PlatformError } from '../../kernel/errors.js';
import { ServiceClient } from '../../kit/service-client.js';

export interface CouncilClientOptions {
  readonly timeoutMs?: number;
  /** Credential headers (the routes need the `service` role); by default ACGS_SERVICE_API_KEY. */
  readonly credentials?: () => Record<string, string>;
}

/** The council contract over HTTP, for the constitution service and the PGC in other processes. */
export class CouncilClient implements CouncilContract {
  readonly #client: ServiceClient;

  constructor(baseUrl: string | readonly string[], options: CouncilClientOptions = {}) {
    this.#client = new ServiceClient({
      service: 'council',
      baseUrls: baseUrl,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  async proposal(proposalId: string): Promise<CouncilProposalStatus | undefined> {
    try {
      return await this.#client.request<CouncilProposalStatus>({
        method: 'GET',
        path: `/api/v1/council/proposals/${encodeURIComponent(proposalId)}/authority`,
      });
    } catch (error) {
      // A malformed id names no proposal either.
      if (
        error instanceof PlatformError &&
        (error.code === 'COUNCIL_PROPOSAL_NOT_FOUND' || error.code === 'VALIDATION_FAILED')
      )
        return undefined;
      throw error;
    }
  }

  async seated(): Promise<boolean> {
    const body = await this.#client.request<{ seated: boolean }>({
      method: 'GET',
      path: '/api/v1/council/seated',
    });
    return body.seated === true;
  }

  proposeRatification(request: RatificationRequest): Promise<{ readonly proposalId: string }> {
    return this.#client.request({ path: '/api/v1/council/ratifications', body: request });
  }

  proposeVariantAdoption(request: VariantAdoptionRequest): Promise<{ readonly proposalId: string }> {
    return this.#client.request({ path: '/api/v1/council/variant-adoptions', body: request });
  }

  proposeActivation(request: ActivationProposalRequest): Promise<{ readonly proposalId: string }> {
    return this.#client.request({ path: '/api/v1/council/activation-proposals', body: request });
  }
}
