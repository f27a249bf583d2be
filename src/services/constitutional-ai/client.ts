import type { ConstitutionalHash } from '../../kernel/constitutional-hash.js';
import type {
  ConstitutionContract,
  ConstitutionVersion,
  EnactOptions,
  EnactSource,
  ResolvedConstitution,
} from '../../kernel/contracts/constitution.js';
import { PlatformError } from '../../kernel/errors.js';
import { ServiceClient } from '../../kit/service-client.js';

export interface ConstitutionClientOptions {
  readonly timeoutMs?: number;
  /**
   * Credential headers for protected calls (enact needs the `service` role); by default the
   * service API key from ACGS_SERVICE_API_KEY.
   */
  readonly credentials?: () => Record<string, string>;
}

/** The Constitutional AI contract over HTTP, for services running in other processes. */
/** How long an enactment may take before the caller gives up (the server answers 409 to a repeat). */
const ENACT_TIMEOUT_MS = 30_000;

export class ConstitutionClient implements ConstitutionContract {
  readonly #client: ServiceClient;

  constructor(baseUrl: string | readonly string[], options: ConstitutionClientOptions | number = {}) {
    const settings = typeof options === 'number' ? { timeoutMs: options } : options;
    this.#client = new ServiceClient({
      service: 'constitution',
      baseUrls: baseUrl,
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
      ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    });
  }

  async activeHash(): Promise<ConstitutionalHash> {
    const body = await this.#client.request<Partial<ConstitutionalHash> | undefined>({
      path: '/api/v1/constitution/active/hash',
      authenticated: false,
    });
    if (typeof body?.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) {
      throw this.#client.unavailable('sent a malformed hash');
    }
    return { hash: body.hash, short: body.hash.slice(0, 16) };
  }

  async activeVersion(): Promise<ConstitutionVersion | undefined> {
    try {
      return await this.#client.request<ConstitutionVersion>({ path: '/api/v1/constitution/active' });
    } catch (error) {
      if (error instanceof PlatformError && error.code === 'CONSTITUTION_NOT_PUBLISHED') return undefined;
      throw error;
    }
  }

  enact(source: EnactSource, options: EnactOptions): Promise<ConstitutionVersion> {
    // Enactment validates and compiles a whole constitution: a governance write, rare, allowed to be slow.
    return this.#client.request({
      path: '/api/v1/constitution/enactments',
      body: { ...source, ...options },
      timeoutMs: ENACT_TIMEOUT_MS,
    });
  }

  resolve(source: EnactSource): Promise<ResolvedConstitution> {
    return this.#client.request({ path: '/api/v1/constitution/resolutions', body: source });
  }
}
