import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { SignJWT, UnsecuredJWT } from 'jose';
import { Registry } from 'prom-client';
import { buildKitServer } from '../../test/support/kit-server.js';
import { MemoryCacheStore } from '../cache/index.js';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type ApiKeyResolver,
  AUTH_CACHE_KEYS,
  type JsonWebKeySet,
  type PublicJwk,
  type ResolvedApiKey,
  type VerificationKeySource,
} from '../kernel/contracts/auth.js';
import { ClientRateLimiter } from './client-rate-limiter.js';
import { TokenAuthenticator } from './token-authenticator.js';

interface KeyPair {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: PublicJwk;
}

function keyPair(kid: string): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = String(publicKey.export({ format: 'jwk' }).x);
  return { kid, privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A key source over a key set the test changes; counts how often the guard asked. */
class ChangingKeySource implements VerificationKeySource {
  calls = 0;
  constructor(public set: JsonWebKeySet) {}
  async keySet(): Promise<JsonWebKeySet> {
    this.calls += 1;
    return this.set;
  }
}

/** API keys held in a map (the Auth service's resolver is tested against its database elsewhere). */
class MapApiKeyResolver implements ApiKeyResolver {
  constructor(readonly keys: Map<string, ResolvedApiKey>) {}
  async resolve(key: string): Promise<ResolvedApiKey | undefined> {
    return this.keys.get(key);
  }
}

const trusted = keyPair('trusted');
const rotated = keyPair('rotated');
const stranger = keyPair('stranger');
const source = new ChangingKeySource({ keys: [trusted.jwk] });
const cache = new MemoryCacheStore();
const apiKey = (n: string) => `acgs_${n.padEnd(12, 'x')}_${'s'.repeat(43)}`;
const apiKeys = new MapApiKeyResolver(
  new Map([
    [apiKey('good'), resolvedKey('k-good', {})],
    [apiKey('revoked'), resolvedKey('k-revoked', { revoked: true })],
    [apiKey('expired'), resolvedKey('k-expired', { expiresAtMs: Date.now() - 1000 })],
    [apiKey('marked'), resolvedKey('k-marked', {})],
    [apiKey('slow'), resolvedKey('k-slow', { rateLimitPerMinute: 2 })],
  ]),
);

function resolvedKey(keyId: string, overrides: Partial<ResolvedApiKey>): ResolvedApiKey {
  return {
    keyId,
    subject: `svc-${keyId}`,
    roles: ['agent'],
    scopes: [],
    expiresAtMs: null,
    revoked: false,
    rateLimitPerMinute: 100,
    ...overrides,
  };
}

const authenticator = new TokenAuthenticator({ keys: source, apiKeys, cache, refreshCooldownMs: 0 });
const routes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/v1/policies/authored',
    { config: { auth: { roles: ['policy_author'] } } },
    async (request) => ({
      subject: request.principal?.subject,
    }),
  );
  app.get('/api/v1/policies/agents', { config: { auth: { roles: ['agent'] } } }, async () => ({ ok: true }));
};
// The per-client limit is off by default here (0); API keys with a limit of their own still have it.
const limiter = new ClientRateLimiter({ cache, perMinute: 0, burst: 1000 });
const kit = await buildKitServer({ routes, authenticator, rateLimiter: limiter });
after(() => kit.app.close());

const now = () => Math.floor(Date.now() / 1000);
let counter = 0;

async function token(
  claims: Record<string, unknown> = {},
  key: KeyPair = trusted,
  header: Record<string, unknown> = {},
): Promise<string> {
  counter += 1;
  const payload = {
    iss: ACCESS_TOKEN_ISSUER,
    aud: ACCESS_TOKEN_AUDIENCE,
    sub: 'user-1',
    jti: `jti-${counter}`,
    iat: now(),
    exp: now() + 900,
    roles: ['policy_author'],
    scope: '',
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header })
    .sign(key.privateKey);
}

async function call(headers: Record<string, string>, url = '/api/v1/policies/authored') {
  const response = await kit.app.inject({ method: 'GET', url, headers });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown>,
    headers: response.headers,
  };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('TokenAuthenticator: bearer tokens', () => {
  test('a valid token (signed by jose, a second implementation) passes and carries its subject', async () => {
    const ok = await call(bearer(await token()));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.subject, 'user-1');
  });

  test('a valid token without the route’s role is 403, no token is 401 with a Bearer challenge', async () => {
    assert.equal((await call(bearer(await token({ roles: ['auditor'] })))).status, 403);
    const none = await call({});
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
  });

  const hostile: [string, () => Promise<string>][] = [
    [
      'alg: none',
      async () =>
        new UnsecuredJWT({ roles: ['policy_author'], sub: 'user-1' })
          .setIssuer(ACCESS_TOKEN_ISSUER)
          .setAudience(ACCESS_TOKEN_AUDIENCE)
          .setExpirationTime('10m')
          .encode(),
    ],
    [
      'alg: none with a signature-shaped tail',
      async () => {
        const good = await token();
        const [, payload, signature] = good.split('.');
        const head = Buffer.from(JSON.stringify({ alg: 'none', kid: 'trusted' })).toString('base64url');
        return `${head}.${payload}.${signature}`;
      },
    ],
    [
      'HS256 signed with the public key as the secret',
      async () =>
        new SignJWT({ roles: ['policy_author'] })
          .setProtectedHeader({ alg: 'HS256', kid: 'trusted' })
          .setIssuer(ACCESS_TOKEN_ISSUER)
          .setAudience(ACCESS_TOKEN_AUDIENCE)
          .setSubject('user-1')
          .setJti('hs')
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(JSON.stringify(trusted.jwk))),
    ],
    [
      'HS512 signed with the raw public key bytes (signature as long as EdDSA’s)',
      async () =>
        new SignJWT({ roles: ['policy_author'] })
          .setProtectedHeader({ alg: 'HS512', kid: 'trusted' })
          .setIssuer(ACCESS_TOKEN_ISSUER)
          .setAudience(ACCESS_TOKEN_AUDIENCE)
          .setSubject('user-1')
          .setJti('hs512')
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(Buffer.from(trusted.jwk.x, 'base64url')),
    ],
    ['expired', () => token({ exp: now() - 120, iat: now() - 1000 })],
    // The audit minted one with the signing key from the database (security issue, done-when 4).
    ['valid for 100 years', () => token({ iat: now(), exp: now() + 100 * 365 * 86_400 })],
    [
      '16 minutes long (exp − iat over the 900 s lifetime)',
      () => token({ iat: now() - 60, exp: now() + 900 }),
    ],
    ['not yet valid (nbf)', () => token({ nbf: now() + 600 })],
    ['issued in the future', () => token({ iat: now() + 600 })],
    ['wrong audience', () => token({ aud: 'urn:someone-else' })],
    ['wrong issuer', () => token({ iss: 'urn:evil' })],
    [
      'tampered payload (roles raised to admin, signature kept)',
      async () => {
        const [head, , signature] = (await token()).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: ACCESS_TOKEN_ISSUER,
            aud: ACCESS_TOKEN_AUDIENCE,
            sub: 'user-1',
            roles: ['admin', 'policy_author'],
            jti: 'x',
            iat: now(),
            exp: now() + 900,
          }),
        ).toString('base64url');
        return `${head}.${payload}.${signature}`;
      },
    ],
    ['unknown kid', () => token({}, stranger)],
    ['a stranger’s key claiming a trusted kid', () => token({}, { ...stranger, kid: 'trusted' })],
    // The audit's key-injection headers: the guard takes keys only from its own key source.
    [
      'a stranger’s key embedded in the header (jwk)',
      () => token({}, { ...stranger, kid: 'trusted' }, { jwk: stranger.jwk }),
    ],
    [
      'a stranger’s key set named by URL (jku)',
      () => token({}, { ...stranger, kid: 'trusted' }, { jku: 'https://attacker.example/jwks.json' }),
    ],
    [
      'a stranger’s certificate named by URL (x5u)',
      () => token({}, { ...stranger, kid: 'trusted' }, { x5u: 'https://attacker.example/cert.pem' }),
    ],
    ['critical header parameters', () => token({}, trusted, { crit: ['b64'], b64: true })],
    ['unknown roles', () => token({ roles: ['root'] })],
    ['not a JWT at all', async () => 'hello.world'],
  ];
  for (const [name, make] of hostile) {
    test(`hostile token: ${name} → 401`, async () => {
      const response = await call(bearer(await make()));
      assert.equal(response.status, 401, JSON.stringify(response.body));
      assert.match(String(response.body.code), /^AUTH_TOKEN_/);
    });
  }

  test('a revoked jti is 401 AUTH_TOKEN_REVOKED, even after the token verified once', async () => {
    const t = await token({ jti: 'to-revoke' });
    assert.equal((await call(bearer(t))).status, 200);
    await cache.set(AUTH_CACHE_KEYS.revokedToken('to-revoke'), 'logout', 60_000);
    const revoked = await call(bearer(t));
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.code, 'AUTH_TOKEN_REVOKED');
  });

  test('a revoked session refuses every access token naming it in sid (security issue, done-when 6)', async () => {
    const tokens = await Promise.all(['s-1', 's-2', 's-3'].map((jti) => token({ jti, sid: 'session-9' })));
    const other = await token({ jti: 's-4', sid: 'session-10' });
    for (const t of [...tokens, other]) assert.equal((await call(bearer(t))).status, 200);
    await cache.set(AUTH_CACHE_KEYS.revokedSession('session-9'), 'logout', 60_000);
    for (const t of tokens) {
      const refused = await call(bearer(t));
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'AUTH_TOKEN_REVOKED');
    }
    assert.equal((await call(bearer(other))).status, 200, 'another session is not affected');
  });

  test('a key that appears after rotation is fetched on its first unknown kid', async () => {
    const t = await token({}, rotated);
    assert.equal((await call(bearer(t))).status, 401);
    source.set = { keys: [trusted.jwk, rotated.jwk] };
    const before = source.calls;
    assert.equal((await call(bearer(t))).status, 200);
    assert.equal(source.calls, before + 1);
  });

  test('a key withdrawn from the key set stops verifying, remembered tokens included', async () => {
    const keys = new ChangingKeySource({ keys: [trusted.jwk, rotated.jwk] });
    let clock = Date.now();
    const guard = new TokenAuthenticator({ keys, apiKeys, cache, keySetMaxAgeMs: 60_000, now: () => clock });
    const t = await token({}, rotated);
    assert.equal((await guard.verifyAccessToken(t)).subject, 'user-1');
    keys.set = { keys: [trusted.jwk] };
    clock += 61_000;
    // The stale key set is refreshed in the background; the next use sees the withdrawal.
    await guard.verifyAccessToken(t).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(guard.verifyAccessToken(t), /no longer published/);
  });

  test('unknown kids refetch the key set at most once per cool-down', async () => {
    const keys = new ChangingKeySource({ keys: [trusted.jwk] });
    const limited = new TokenAuthenticator({ keys, apiKeys, cache, refreshCooldownMs: 60_000 });
    await limited.verifyAccessToken(await token());
    for (let i = 0; i < 5; i++) {
      await assert.rejects(limited.verifyAccessToken(await token({}, stranger)), /unknown key/);
    }
    assert.ok(keys.calls <= 2, `fetched ${keys.calls} times`);
  });
});

describe('TokenAuthenticator: API keys', () => {
  test('a genuine key passes with its roles; wrong role is 403', async () => {
    assert.equal((await call({ 'x-api-key': apiKey('good') }, '/api/v1/policies/agents')).status, 200);
    assert.equal((await call({ 'x-api-key': apiKey('good') })).status, 403);
  });

  test('an API key sent as a bearer credential is taken as the API key it is', async () => {
    assert.equal((await call(bearer(apiKey('good')), '/api/v1/policies/agents')).status, 200);
    const unknown = await call(bearer(apiKey('unknown')), '/api/v1/policies/agents');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.code, 'AUTH_API_KEY_INVALID');
    // Anything else that is not a JWT says where an API key goes.
    const other = await call(bearer('letmein'), '/api/v1/policies/agents');
    assert.equal(other.status, 401);
    assert.match(String(other.body.detail), /x-api-key/);
  });

  for (const [name, key, code] of [
    ['unknown', apiKey('unknown'), 'AUTH_API_KEY_INVALID'],
    ['malformed', 'letmein', 'AUTH_API_KEY_INVALID'],
    ['revoked', apiKey('revoked'), 'AUTH_API_KEY_REVOKED'],
    ['expired', apiKey('expired'), 'AUTH_API_KEY_EXPIRED'],
  ] as const) {
    test(`${name} API key → 401 ${code}`, async () => {
      const response = await call({ 'x-api-key': key }, '/api/v1/policies/agents');
      assert.equal(response.status, 401);
      assert.equal(response.body.code, code);
    });
  }

  test('a key on the cache store’s revocation list is refused at once', async () => {
    assert.equal((await call({ 'x-api-key': apiKey('marked') }, '/api/v1/policies/agents')).status, 200);
    await cache.set(AUTH_CACHE_KEYS.revokedApiKey('k-marked'), 'revoked', 60_000);
    assert.equal((await call({ 'x-api-key': apiKey('marked') }, '/api/v1/policies/agents')).status, 401);
  });

  test('a key over its rate limit gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 3; i++) {
      const response = await call({ 'x-api-key': apiKey('slow') }, '/api/v1/policies/agents');
      statuses.push(response.status);
      retryAfter = response.headers['retry-after'];
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `retry-after ${String(retryAfter)}`);
  });

  test('a bearer token and an API key together are refused', async () => {
    const response = await call({ ...bearer(await token()), 'x-api-key': apiKey('good') });
    assert.equal(response.status, 401);
  });
});

describe('jwt_validations_total', () => {
  test('counts every bearer token the guard validated, by result', async () => {
    const registry = new Registry();
    const guard = new TokenAuthenticator({ keys: source, apiKeys, cache, metrics: registry });
    const read = async () => {
      const values = (await registry.getSingleMetric('jwt_validations_total')?.get())?.values ?? [];
      return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
    };
    const good = await token();
    await guard.verifyAccessToken(good);
    await guard.verifyAccessToken(good);
    await assert.rejects(guard.verifyAccessToken(await token({}, stranger)));
    assert.deepEqual(await read(), { valid: 2, rejected: 1 });
    assert.match(await registry.metrics(), /# TYPE jwt_validations_total counter/);
  });
});
