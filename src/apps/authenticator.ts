import type { Registry } from 'prom-client';
import type { CacheStore } from '../cache/cache-store.js';
import type { AuthenticationContract } from '../kernel/contracts/index.js';
import { TokenAuthenticator } from '../kit/token-authenticator.js';
import { HttpApiKeyResolver, HttpVerificationKeySource } from '../services/auth/client.js';
import { CachingApiKeyResolver } from '../services/auth/usecases/resolve-api-key.js';
import { OutageGraceApiKeyResolver } from './auth-outage-grace.js';

/** How long a process without the Auth service remembers an API-key resolution. */
const REMOTE_RESOLUTION_CACHE_MS = 30_000;

/**
 * The authentication contract of a process without the Auth service: keys and API keys from
 * `ACGS_AUTH_URL` over HTTP (JWKS cached and refetched on an unknown kid; API-key resolutions
 * cached briefly, and bridged over an Auth outage for `outageGraceMs`; see auth-outage-grace.ts).
 */
export function remoteAuthentication(
  url: string | readonly string[],
  outageGraceMs = 0,
): AuthenticationContract {
  return {
    keys: new HttpVerificationKeySource(url),
    apiKeys: new CachingApiKeyResolver(
      new OutageGraceApiKeyResolver(new HttpApiKeyResolver(url), outageGraceMs),
      REMOTE_RESOLUTION_CACHE_MS,
    ),
  };
}

/**
 * The guard's authenticator; revocations and API-key rate counters go through `cache`, and
 * `jwt_validations_total` is registered on `metrics` when given.
 */
export function buildAuthenticator(
  sources: AuthenticationContract,
  cache: CacheStore,
  metrics?: Registry,
): TokenAuthenticator {
  return new TokenAuthenticator({ keys: sources.keys, apiKeys: sources.apiKeys, cache, metrics });
}
