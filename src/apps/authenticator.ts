import type { Registry } from 'prom-client';
import type { CacheStore } from '../cache/cache-store.js';
import type { PlatformConfig } from '../kernel/config.js';
import type { ApiKeyResolver, VerificationKeySource } from '../kernel/contracts/auth.js';
import { TokenAuthenticator } from '../kit/token-authenticator.js';
import { HttpApiKeyResolver, HttpVerificationKeySource } from '../services/auth/client.js';
import type { AuthService } from '../services/auth/service.js';
import { CachingApiKeyResolver } from '../services/auth/usecases/resolve-api-key.js';

/** How long a process without the Auth service remembers an API-key resolution. */
const REMOTE_RESOLUTION_CACHE_MS = 30_000;

export interface AuthenticationSources {
  readonly keys: VerificationKeySource;
  readonly apiKeys: ApiKeyResolver;
}

/**
 * Where this process's guard gets keys and API keys: from the Auth service in-process when it runs
 * here (embedded mode, the auth process), otherwise from `ACGS_AUTH_URL` over HTTP (JWKS cached
 * and refetched on an unknown kid; API-key resolutions cached briefly).
 */
export function authenticationSources(
  config: PlatformConfig,
  auth: AuthService | undefined,
): AuthenticationSources {
  if (auth !== undefined) return { keys: auth.keys, apiKeys: auth.apiKeys };
  const url = config.serviceUrls.auth;
  return {
    keys: new HttpVerificationKeySource(url),
    apiKeys: new CachingApiKeyResolver(new HttpApiKeyResolver(url), REMOTE_RESOLUTION_CACHE_MS),
  };
}

/**
 * The guard's authenticator; revocations and API-key rate counters go through `cache`, and
 * `jwt_validations_total` is registered on `metrics` when given.
 */
export function buildAuthenticator(
  sources: AuthenticationSources,
  cache: CacheStore,
  metrics?: Registry,
): TokenAuthenticator {
  return new TokenAuthenticator({ keys: sources.keys, apiKeys: sources.apiKeys, cache, metrics });
}
