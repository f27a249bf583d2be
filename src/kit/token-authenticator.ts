import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { CacheStore } from '../cache/cache-store.js';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  API_KEY_PATTERN,
  type ApiKeyResolver,
  AUTH_CACHE_KEYS,
  type JsonWebKeySet,
  type ResolvedApiKey,
  type VerificationKeySource,
} from '../kernel/contracts/auth.js';
import type { Principal, Role } from '../kernel/roles.js';
import { ROLES, serviceOfAccount } from '../kernel/roles.js';
import { BEARER_CHALLENGE, guardErrors } from './auth-errors.js';
import { RevocationList } from './revocation-list.js';
import type { Authenticator } from './route-auth.js';

export interface TokenAuthenticatorOptions {
  readonly keys: VerificationKeySource;
  readonly apiKeys: ApiKeyResolver;
  /** Where revocations and API-key rate counters live (Redis when distributed). */
  readonly cache: CacheStore;
  /** Epoch milliseconds; tests move it. */
  readonly now?: () => number;
  /** Tolerated clock difference between issuer and verifier, seconds (default 30). */
  readonly clockSkewSeconds?: number;
  /** At most one key-set refresh for an unknown `kid` per this many ms (default 5000). */
  readonly refreshCooldownMs?: number;
  /** Verified tokens remembered, so a token's signature is checked once (default 10 000). */
  readonly verifiedTokenCacheSize?: number;
  /**
   * The key set is looked at again in the background when it is older than this (default
   * 300 000 ms), so a key withdrawn from the JWKS stops verifying tokens, remembered ones included.
   */
  readonly keySetMaxAgeMs?: number;
  /** Where `jwt_validations_total` is registered (the autoscaler's `jwt_validations_per_second`). */
  readonly metrics?: Registry;
  /**
   * The longest lifetime (`exp − iat`, seconds) a token may have (default 900, what the Auth
   * service issues): a token minted with a stolen key for 100 years is refused.
   */
  readonly maxLifetimeSeconds?: number;
}

interface VerifiedToken {
  readonly principal: Principal;
  readonly kid: string;
  readonly jti: string;
  /** The session (`sid`) the token belongs to, when it names one. */
  readonly sid: string | undefined;
  readonly expMs: number;
  readonly nbfMs: number;
}

const MAX_TOKEN_LENGTH = 8192;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/;
const API_KEY_SHAPE = /^acgs_[A-Za-z0-9_-]+$/;
const KNOWN_ROLES = new Set<string>(ROLES);
/** A caller's pseudonym as the Auth service issues it (`psn`): 32 hex digits. */
const PSEUDONYM = /^[0-9a-f]{32}$/;

function invalid(message: string) {
  return guardErrors.create('AUTH_TOKEN_INVALID', message, { headers: BEARER_CHALLENGE });
}

function parseSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalid('the token is not a JWT');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('the token is not a JWT');
  return value as Record<string, unknown>;
}

/**
 * The guard's `Authenticator`: verifies EdDSA access tokens locally against the Auth service's
 * published keys, and API keys through an `ApiKeyResolver`; checks revocation against the cache
 * store's revocation marks, pushed to every replica as they are written (revocation-list.ts; a
 * lookup per request only while that push is not live). API keys' own rate limits are counted by
 * the guard's per-client limiter (`ownRateLimit`). Only `EdDSA` is accepted, whatever a
 * token's header says, so `alg: none` and HMAC-with-the-public-key tokens fail.
 *
 * A token's signature is checked once; the verified claims are remembered (bounded, until the
 * token expires), and every use still checks the time window and the revocation list.
 */
export class TokenAuthenticator implements Authenticator {
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly cooldownMs: number;
  private readonly cacheSize: number;
  private readonly verified = new Map<string, VerifiedToken>();
  private keysByKid = new Map<string, KeyObject>();
  private loaded = false;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private readonly maxAgeMs: number;
  private readonly maxLifetimeSeconds: number;
  private refreshing: Promise<void> | undefined;
  private readonly validations: Counter<'result'> | undefined;
  /** The cache store's revocation marks, pushed to this guard as they are written. */
  private readonly revocations: RevocationList;

  constructor(private readonly options: TokenAuthenticatorOptions) {
    this.now = options.now ?? Date.now;
    this.revocations = new RevocationList(options.cache, AUTH_CACHE_KEYS.revokedPrefix);
    this.validations =
      options.metrics === undefined
        ? undefined
        : new Counter({
            name: 'jwt_validations_total',
            help: 'Bearer tokens the guard validated, by result (valid or rejected).',
            labelNames: ['result'],
            registers: [options.metrics],
          });
    this.skewMs = (options.clockSkewSeconds ?? 30) * 1000;
    this.cooldownMs = options.refreshCooldownMs ?? 5000;
    this.cacheSize = options.verifiedTokenCacheSize ?? 10_000;
    this.maxAgeMs = options.keySetMaxAgeMs ?? 300_000;
    this.maxLifetimeSeconds = options.maxLifetimeSeconds ?? 900;
  }

  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const authorization = request.headers.authorization;
    const apiKey = request.headers['x-api-key'];
    if (authorization !== undefined) {
      if (apiKey !== undefined) throw invalid('send either a bearer token or an API key, not both');
      const match = /^Bearer +(\S+)$/i.exec(authorization);
      if (!match) throw invalid('the Authorization header must be "Bearer <token>"');
      // An API key sent as a bearer credential (as many clients do) is taken as one: API keys
      // (`acgs_<prefix>_<secret>`) have no dots, so they cannot be mistaken for a JWT.
      if (API_KEY_SHAPE.test(match[1]!)) return this.verifyApiKey(match[1]!);
      return this.verifyAccessToken(match[1]!);
    }
    if (typeof apiKey === 'string') return this.verifyApiKey(apiKey);
    if (apiKey !== undefined) throw guardErrors.create('AUTH_API_KEY_INVALID', 'send one x-api-key header');
    return undefined;
  }

  /** Verifies a bearer access token and returns its principal; throws AUTH_TOKEN_* errors. */
  async verifyAccessToken(token: string): Promise<Principal> {
    try {
      const principal = await this.validate(token);
      this.validations?.inc({ result: 'valid' });
      return principal;
    } catch (error) {
      this.validations?.inc({ result: 'rejected' });
      throw error;
    }
  }

  private async validate(token: string): Promise<Principal> {
    const now = this.now();
    let entry = this.verified.get(token);
    if (entry === undefined) {
      entry = await this.verifySignedToken(token, now);
      if (this.verified.size >= this.cacheSize) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      this.verified.set(token, entry);
    }
    if (now - this.loadedAtMs > this.maxAgeMs && this.refreshing === undefined) {
      // In the background: this request goes on with the keys it has.
      this.refreshKeys(true, false).catch(() => undefined);
    }
    if (!this.keysByKid.has(entry.kid)) {
      this.verified.delete(token);
      throw invalid('the token is signed with a key that is no longer published');
    }
    if (now >= entry.expMs + this.skewMs) {
      this.verified.delete(token);
      throw guardErrors.create('AUTH_TOKEN_EXPIRED', 'the access token has expired; refresh it', {
        headers: BEARER_CHALLENGE,
      });
    }
    if (now + this.skewMs < entry.nbfMs) throw invalid('the access token is not valid yet');
    // One lookup: a session's revocation covers every token of it; tokens without a session by id.
    const revocationKey =
      entry.sid !== undefined
        ? AUTH_CACHE_KEYS.revokedSession(entry.sid)
        : AUTH_CACHE_KEYS.revokedToken(entry.jti);
    if (this.revocations.revoked(revocationKey) ?? (await this.options.cache.has(revocationKey))) {
      throw guardErrors.create('AUTH_TOKEN_REVOKED', 'the access token has been revoked', {
        headers: BEARER_CHALLENGE,
      });
    }
    return entry.principal;
  }

  private async verifySignedToken(token: string, now: number): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token))
      throw invalid(
        'the token is not an EdDSA JWT (an API key goes in the x-api-key header, or as "Bearer acgs_…")',
      );
    const [head, body, signature] = token.split('.') as [string, string, string];
    const header = parseSegment(head);
    if (header.alg !== 'EdDSA') throw invalid('only EdDSA access tokens are accepted');
    if (header.crit !== undefined) throw invalid('the token has critical header parameters');
    if (typeof header.kid !== 'string') throw invalid('the token names no key');
    const key = await this.keyFor(header.kid);
    if (key === undefined) throw invalid('the token is signed with an unknown key');
    const signed = verify(
      null,
      Buffer.from(`${head}.${body}`, 'latin1'),
      key,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) throw invalid('the token signature does not verify');
    const claims = parseSegment(body);
    if (claims.iss !== ACCESS_TOKEN_ISSUER) throw invalid('the token has another issuer');
    const aud = claims.aud;
    if (!(aud === ACCESS_TOKEN_AUDIENCE || (Array.isArray(aud) && aud.includes(ACCESS_TOKEN_AUDIENCE))))
      throw invalid('the token is for another audience');
    const { sub, jti, exp, iat, nbf, roles, scope } = claims;
    if (typeof sub !== 'string' || sub === '') throw invalid('the token has no subject');
    if (typeof jti !== 'string' || jti === '') throw invalid('the token has no id');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('the token has no expiry');
    if (typeof iat !== 'number' || iat * 1000 > now + this.skewMs)
      throw invalid('the token is issued in the future');
    if (exp - iat > this.maxLifetimeSeconds)
      throw invalid(`the token lives longer than the ${this.maxLifetimeSeconds} s access tokens may`);
    if (nbf !== undefined && typeof nbf !== 'number') throw invalid('the token has a malformed nbf');
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && KNOWN_ROLES.has(role)))
      throw invalid('the token has malformed roles');
    if (scope !== undefined && typeof scope !== 'string') throw invalid('the token has a malformed scope');
    const name = typeof claims.name === 'string' ? claims.name : undefined;
    const service = serviceOfAccount(name, roles as Role[]);
    const pseudonym = typeof claims.psn === 'string' && PSEUDONYM.test(claims.psn) ? claims.psn : undefined;
    return {
      principal: {
        subject: sub,
        roles: roles as Role[],
        scopes: scope ? scope.split(' ').filter(Boolean) : [],
        kind: claims.kind === 'service' ? 'service' : 'user',
        ...(name === undefined ? {} : { name }),
        ...(service === undefined ? {} : { service }),
        ...(pseudonym === undefined ? {} : { pseudonym }),
      },
      kid: header.kid,
      jti,
      sid: typeof claims.sid === 'string' && claims.sid !== '' ? claims.sid : undefined,
      expMs: exp * 1000,
      nbfMs: typeof nbf === 'number' ? nbf * 1000 : iat * 1000,
    };
  }

  private async keyFor(kid: string): Promise<KeyObject | undefined> {
    if (!this.loaded) await this.refreshKeys(false);
    const known = this.keysByKid.get(kid);
    if (known !== undefined) return known;
    if (this.now() - this.lastRefreshMs >= this.cooldownMs) await this.refreshKeys(true);
    return this.keysByKid.get(kid);
  }

  /** `force`: ask the source to look again; `unknownKid`: counts towards the cool-down. */
  private refreshKeys(force: boolean, unknownKid = force): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        if (unknownKid) this.lastRefreshMs = this.now();
        this.keysByKid = importKeySet(await this.options.keys.keySet(force));
        this.loadedAtMs = this.now();
        this.loaded = true;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async verifyApiKey(presented: string): Promise<Principal> {
    if (!API_KEY_PATTERN.test(presented))
      throw guardErrors.create('AUTH_API_KEY_INVALID', 'the API key is not valid');
    const key = await this.options.apiKeys.resolve(presented);
    if (key === undefined) throw guardErrors.create('AUTH_API_KEY_INVALID', 'the API key is not valid');
    const mark = AUTH_CACHE_KEYS.revokedApiKey(key.keyId);
    if (key.revoked || (this.revocations.revoked(mark) ?? (await this.options.cache.has(mark))))
      throw guardErrors.create('AUTH_API_KEY_REVOKED', 'the API key has been revoked');
    if (key.expiresAtMs !== null && this.now() >= key.expiresAtMs)
      throw guardErrors.create('AUTH_API_KEY_EXPIRED', 'the API key has expired');
    // Its request rate is counted by the guard's per-client limiter (`ownRateLimit`), shared by replicas.
    return principalOfKey(key);
  }
}

/** The guard's principal for a resolved API key (remembered per key: built once, not per request). */
const keyPrincipals = new WeakMap<ResolvedApiKey, Principal>();
function principalOfKey(key: ResolvedApiKey): Principal {
  let principal = keyPrincipals.get(key);
  if (principal === undefined) {
    const service = serviceOfAccount(key.account, key.roles);
    principal = {
      subject: key.subject,
      roles: key.roles,
      scopes: key.scopes,
      kind: 'service',
      ...(key.rateLimitPerMinute > 0
        ? { ownRateLimit: { client: `key:${key.keyId}`, perMinute: key.rateLimitPerMinute } }
        : {}),
      ...(key.account === undefined ? {} : { name: key.account }),
      ...(key.pseudonym === undefined ? {} : { pseudonym: key.pseudonym }),
      ...(service === undefined ? {} : { service }),
      ...(key.principal === undefined ? {} : { boundPrincipal: key.principal }),
      ...(key.delegate === true ? { delegate: true } : {}),
    };
    keyPrincipals.set(key, principal);
  }
  return principal;
}

/** Imports the Ed25519 keys of a JWKS; other key types are ignored. */
export function importKeySet(set: JsonWebKeySet): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const jwk of set.keys) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.kid !== 'string') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') continue;
    keys.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
  }
  return keys;
}
