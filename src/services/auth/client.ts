import type {
  ApiKeyResolver,
  JsonWebKeySet,
  ResolvedApiKey,
  VerificationKeySource,
} from '../../kernel/contracts/auth.js';
import { commonErrors } from '../../kernel/errors.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

/**
 * The Auth service's JWKS over HTTP, for guards in other processes. Fetched once and kept; the
 * guard asks again (`refresh`) when it meets an unknown `kid`, at most once per its cool-down.
 * While the Auth service is unreachable the last key set stays in use.
 */
export class HttpVerificationKeySource implements VerificationKeySource {
  private cached: JsonWebKeySet | undefined;

  constructor(
    private readonly authUrl: string,
    private readonly timeoutMs = 2000,
  ) {}

  async keySet(refresh: boolean): Promise<JsonWebKeySet> {
    if (this.cached !== undefined && !refresh) return this.cached;
    try {
      const response = await fetch(new URL('/.well-known/jwks.json', this.authUrl), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      const body = (await response.json()) as JsonWebKeySet;
      if (!Array.isArray(body.keys)) throw new Error('sent no keys');
      this.cached = body;
    } catch (error) {
      if (this.cached !== undefined) return this.cached;
      throw commonErrors.create(
        'DEPENDENCY_UNAVAILABLE',
        `auth service at ${this.authUrl}: JWKS not available`,
        {
          cause: error,
        },
      );
    }
    return this.cached;
  }
}

/**
 * API-key resolution through the Auth service (`POST /api/v1/auth/api-keys/resolve`), presenting
 * this process's own service credentials. Wrap it in a `CachingApiKeyResolver`.
 */
export class HttpApiKeyResolver implements ApiKeyResolver {
  constructor(
    private readonly authUrl: string,
    private readonly timeoutMs = 2000,
    private readonly credentials: () => Record<string, string> = serviceCredentialHeaders,
  ) {}

  async resolve(presentedKey: string): Promise<ResolvedApiKey | undefined> {
    let response: Response;
    try {
      response = await fetch(new URL('/api/v1/auth/api-keys/resolve', this.authUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.credentials() },
        body: JSON.stringify({ key: presentedKey }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', `auth service at ${this.authUrl} did not answer`, {
        cause: error,
      });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) {
      throw commonErrors.create(
        'DEPENDENCY_UNAVAILABLE',
        `auth service answered ${response.status} resolving an API key (is ACGS_SERVICE_API_KEY a service key?)`,
      );
    }
    return (await response.json()) as ResolvedApiKey;
  }
}
