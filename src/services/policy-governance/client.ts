import type {
  ActivationSummary,
  BundleSummary,
  DraftBundleRequest,
  DraftBundleSummary,
  ImpactVerdict,
  PolicyGovernanceContract,
  ProposalEnactment,
} from '../../kernel/contracts/policy-governance.js';
import { PlatformError } from '../../kernel/errors.js';
import { ServiceClient } from '../../kit/service-client.js';

export interface PolicyGovernanceClientOptions {
  readonly timeoutMs?: number;
  /** Credential headers (activation needs the `service` role); by default ACGS_SERVICE_API_KEY. */
  readonly credentials?: () => Record<string, string>;
}

/** The PGC contract over HTTP, for the council in another process. */
export class PolicyGovernanceClient implements PolicyGovernanceContract {
  readonly #client: ServiceClient;

  constructor(baseUrl: string | readonly string[], options: PolicyGovernanceClientOptions = {}) {
    this.#client = new ServiceClient({
      service: 'policy',
      baseUrls: baseUrl,
      // Activation compiles and runs every gate: give it time.
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  async bundle(bundleId: string): Promise<BundleSummary | undefined> {
    try {
      const body = await this.#client.request<{
        id: string;
        constitutionHash: string;
        policies?: { id?: unknown }[];
      }>({
        method: 'GET',
        path: `/api/v1/policies/bundles/${encodeURIComponent(bundleId)}`,
      });
      return {
        id: body.id,
        constitutionHash: body.constitutionHash,
        policyIds: (body.policies ?? []).map((p) => String(p.id)),
      };
    } catch (error) {
      if (error instanceof PlatformError && error.code === 'PGC_BUNDLE_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async activeBundle(): Promise<BundleSummary | undefined> {
    let bundleId: string;
    try {
      ({ bundleId } = await this.#client.request<{ bundleId: string }>({
        method: 'GET',
        path: '/api/v1/policies/bundles/active',
      }));
    } catch (error) {
      if (error instanceof PlatformError && error.code === 'PGC_NO_ACTIVE_BUNDLE') return undefined;
      throw error;
    }
    return this.bundle(bundleId);
  }

  activateForProposal(bundleId: string, enactment: ProposalEnactment): Promise<ActivationSummary> {
    return this.#client.request({
      path: `/api/v1/policies/bundles/${encodeURIComponent(bundleId)}/activate`,
      body: { proposalId: enactment.proposalId },
    });
  }

  retireForProposal(policyId: string, enactment: ProposalEnactment): Promise<ActivationSummary> {
    return this.#client.request({
      path: '/api/v1/policies/retirements',
      body: { policyId, proposalId: enactment.proposalId },
    });
  }

  impactOf(bundleId: string): Promise<ImpactVerdict> {
    return this.#client.request({
      method: 'GET',
      path: `/api/v1/policies/bundles/${encodeURIComponent(bundleId)}/impact`,
    });
  }

  draftBundle(request: DraftBundleRequest): Promise<DraftBundleSummary> {
    return this.#client.request({ path: '/api/v1/policies/synthesized-bundles', body: request });
  }
}
