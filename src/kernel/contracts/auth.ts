import type { BoundPrincipal, Role } from '../roles.js';

/**
 * What the kit's guard needs from the Auth service to verify credentials: the published
 * verification keys (JWKS) and API-key resolution. Implemented in-process by the Auth service
 * (embedded mode and the auth process) and over HTTP by its client (other processes).
 */

/** One public Ed25519 verification key as published at `/.well-known/jwks.json` (RFC 8037). */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

export interface JsonWebKeySet {
  readonly keys: readonly PublicJwk[];
}

/** The keys access tokens may be signed with. */
export interface VerificationKeySource {
  /**
   * The current key set. `refresh: true` asks the source to look again (the guard met an unknown
   * `kid`); sources bound the rate of such refreshes themselves.
   */
  keySet(refresh: boolean): Promise<JsonWebKeySet>;
}

/** An API key as its owner's record says, without its secret. */
export interface ResolvedApiKey {
  readonly keyId: string;
  /** The service account the key belongs to. */
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
  /** Epoch milliseconds, or null for a key that does not expire. */
  readonly expiresAtMs: number | null;
  readonly revoked: boolean;
  /**
   * Requests per minute this key may make, counted per key; 0: none of its own, the platform's
   * per-client limit applies (`ACGS_RATE_LIMIT_PER_MINUTE`, counted per account).
   */
  readonly rateLimitPerMinute: number;
  /** The service account's name (`svc-pgc`, `agent-7`). */
  readonly account?: string;
  /** The principal the key decides as (the account's binding). */
  readonly principal?: BoundPrincipal;
  /** The account may speak for other principals. */
  readonly delegate?: boolean;
  /**
   * The account's pseudonym (a keyed hash of its id, 32 hex digits), what services write in log
   * entries instead of the account's id (DESIGN.md §2, Log entry).
   */
  readonly pseudonym?: string;
}

export interface ApiKeyResolver {
  /** The key's record when the presented key is genuine (secret matches), otherwise undefined. */
  resolve(presentedKey: string): Promise<ResolvedApiKey | undefined>;
}

/** `iss` and `aud` of every access token the Auth service issues. */
export const ACCESS_TOKEN_ISSUER = 'urn:acgs:auth';
export const ACCESS_TOKEN_AUDIENCE = 'urn:acgs:api';

/** API keys look like `acgs_<12 alphanumerics: the lookup prefix>_<43 base64url: the secret>`. */
export const API_KEY_PATTERN = /^acgs_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** Cache-store keys shared by the Auth service (writer) and the guard (reader). */
export const AUTH_CACHE_KEYS = {
  revokedToken: (jti: string) => `auth:revoked:jti:${jti}`,
  /** A revoked session: every access token naming it in `sid` is refused. */
  revokedSession: (sid: string) => `auth:revoked:sid:${sid}`,
  revokedApiKey: (keyId: string) => `auth:revoked:apikey:${keyId}`,
  /** Every revocation mark starts with it: guards watch it (kit/revocation-list.ts). */
  revokedPrefix: 'auth:revoked:',
  /**
   * Present while the cache holds the revocation list: Auth lists the revocations again when it
   * is gone (a Redis restart or failover that lost its data). Outside the watched prefix.
   */
  revocationsListed: 'auth:revocations-listed',
} as const;
