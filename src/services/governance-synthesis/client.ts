import type {
  ChangeProposal,
  ChangeRequest,
  PolicyChangeContract,
} from '../../kernel/contracts/synthesis.js';
import { ServiceClient } from '../../kit/service-client.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The synthesis service's PolicyChangeContract over HTTP, for a Darwin Gödel Machine in another
 * process. A model may take a while, so the timeout is long; `signal` rejects the wait at once
 * (the answer, if any, is dropped).
 */
export class PolicyChangeClient implements PolicyChangeContract {
  readonly #client: ServiceClient;

  constructor(
    baseUrl: string | readonly string[],
    headers: () => Record<string, string> = serviceCredentialHeaders,
    timeoutMs = 60_000,
  ) {
    this.#client = new ServiceClient({ service: 'gs', baseUrls: baseUrl, credentials: headers, timeoutMs });
  }

  async proposeChange(request: ChangeRequest, signal: AbortSignal): Promise<ChangeProposal> {
    signal.throwIfAborted();
    return await new Promise<ChangeProposal>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#client
        .request<ChangeProposal>({ path: '/api/v1/synthesis/changes', body: request })
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
