import type {
  ApiKeyResolver,
  JsonWebKeySet,
  ResolvedApiKey,
  VerificationKeySource,
} from '../../kernel/contracts/auth.js';
import { PlatformError } from '../../kernel/errors.js';
import { ServiceClient } from '../../kit/service-client.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The Auth service's JWKS over HTTP, for guards in other processes. Fetched once and kept; the
 * guard asks again (`refresh`) when it meets an unknown `kid`, at most once per its cool-down.
 * While the Auth service is unreachable the last key set stays in use.
 */
export class HttpVerificationKeySource implements VerificationKeySource {
  private cached: JsonWebKeySet | undefined;
  readonly #client: ServiceClient;

  constructor(authUrl: string | readonly string[], timeoutMs = 2000) {
    this.#client = new ServiceClient({ service: 'auth', baseUrls: authUrl, timeoutMs });
  }

  async keySet(refresh: boolean): Promise<JsonWebKeySet> {
    if (this.cached !== undefined && !refresh) return this.cached;
    try {
      const body = await this.#client.request<Partial<JsonWebKeySet>>({
        path: '/.well-known/jwks.json',
        authenticated: false,
      });
      if (!Array.isArray(body?.keys)) throw this.#client.unavailable('sent no keys in its JWKS');
      this.cached = body as JsonWebKeySet;
    } catch (error) {
      if (this.cached !== undefined) return this.cached;
      throw this.#client.unavailable('has no JWKS available', error);
    }
    return this.cached;
  }
}

/**
 * API-key resolution through the Auth service (`POST /api/v1/auth/api-keys/resolve`), presenting
 * this process's own service credentials. Wrap it in a `CachingApiKeyResolver`.
 */
export class HttpApiKeyResolver implements ApiKeyResolver {
  readonly #client: ServiceClient;

  constructor(
    authUrl: string | readonly string[],
    timeoutMs = 2000,
    credentials: () => Record<string, string> = serviceCredentialHeaders,
  ) {
    this.#client = new ServiceClient({ service: 'auth', baseUrls: authUrl, timeoutMs, credentials });
  }

  async resolve(presentedKey: string): Promise<ResolvedApiKey | undefined> {
    try {
      return await this.#client.request<ResolvedApiKey>({
        path: '/api/v1/auth/api-keys/resolve',
        body: { key: presentedKey },
      });
    } catch (error) {
      if (!(error instanceof PlatformError) || error.code === 'DEPENDENCY_UNAVAILABLE') throw error;
      if (error.status === 404) return undefined;
      // Any other refusal is about this process's credential, not the presented key.
      throw this.#client.unavailable(
        `answered ${error.status} resolving an API key (is ACGS_SERVICE_API_KEY a service key?)`,
        error,
      );
    }
  }
}
