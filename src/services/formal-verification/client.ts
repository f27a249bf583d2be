import type {
  ImpactClassification,
  ImpactRequest,
  VerificationContract,
  VerificationReport,
  VerifyRequest,
} from '../../kernel/contracts/verification.js';
import { ServiceClient } from '../../kit/service-client.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The verification contract over HTTP (distributed mode). A verification can take a while, so the
 * timeout is long; the request carries the constitution document when the caller has it.
 */
export class VerificationClient implements VerificationContract {
  readonly #client: ServiceClient;

  constructor(
    baseUrl: string | readonly string[],
    headers: () => Record<string, string> = serviceCredentialHeaders,
    timeoutMs = 120_000,
  ) {
    this.#client = new ServiceClient({ service: 'fv', baseUrls: baseUrl, credentials: headers, timeoutMs });
  }

  verify(request: VerifyRequest): Promise<VerificationReport> {
    // The service resolves the constitution by hash and knows the caller from its credentials.
    const { constitution: _document, requestedBy: _by, ...body } = request;
    return this.#client.request({ path: '/api/v1/verification/reports', body });
  }

  classifyImpact(request: ImpactRequest): Promise<ImpactClassification> {
    const { constitution: _document, requestedBy: _by, ...body } = request;
    return this.#client.request({ path: '/api/v1/verification/impact', body });
  }
}
