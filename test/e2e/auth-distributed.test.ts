/**
 * Done-when 3 of the Auth issue with real processes: two `acgs serve auth` replicas on one
 * PostgreSQL database, one Redis prefix and one NATS stream share login failure counts, locks,
 * rate limits and revocations; tokens and API keys issued by one are honoured — and revoked — on
 * the other; a guard in another process verifies through the HTTP JWKS and API-key resolution
 * with service credentials. The processes' output carries no secret (done-when 4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import { connect } from 'nats';
import { RedisCacheStore } from '../../src/cache/index.js';
import { newKeyEncryptionKey } from '../../src/kit/secret-envelope.js';
import { TokenAuthenticator } from '../../src/kit/token-authenticator.js';
import { HttpApiKeyResolver, HttpVerificationKeySource } from '../../src/services/auth/client.js';
import { CachingApiKeyResolver } from '../../src/services/auth/usecases/resolve-api-key.js';
import {
  api,
  bearer,
  login,
  loginAsAdmin,
  TEST_ADMIN_PASSWORD,
  type Tokens,
} from '../support/auth-session.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const { postgres, redis, nats, skip } = await distributedServices();

describe('auth, distributed: two replicas on one PostgreSQL, Redis and NATS', { skip }, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('authe2e');
  const stream = run.toUpperCase();
  const prefix = `${run}:`;
  const env: Record<string, string> = {};
  let a: PlatformProcess;
  let b: PlatformProcess;
  let admin: Tokens;
  /** A second admin session, for after the first one's family is revoked. */
  let spare: Tokens;
  /** A non-auth service in its own process, whose guard reaches the Auth service over HTTP. */
  let ac: PlatformProcess | undefined;
  const secrets = new Set<string>([TEST_ADMIN_PASSWORD]);
  const remember = (body: Record<string, unknown>) => {
    for (const field of ['accessToken', 'refreshToken', 'key']) {
      if (typeof body[field] === 'string') secrets.add(body[field] as string);
    }
    return body;
  };

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'auth');
    Object.assign(env, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      ACGS_NATS_STREAM: stream,
      ACGS_SUBJECT_ROOT: run,
      ACGS_REDIS_PREFIX: prefix,
      ACGS_KEK: newKeyEncryptionKey(),
      ACGS_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_AUTH_LOCKOUT_THRESHOLD: '3',
      ACGS_AUTH_LOGIN_RATE_PER_ACCOUNT: '5',
      ACGS_AUTH_LOGIN_RATE_PER_IP: '13',
      ACGS_AUTH_KEY_ACTIVATION_MS: '1500',
    });
    const migrated = runAcgs(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /auth: applied 0001_auth/);
    [a, b] = await Promise.all([
      freePort().then((port) => startAcgs(['serve', 'auth'], { ...env, ACGS_PORT: String(port) })),
      freePort().then((port) => startAcgs(['serve', 'auth'], { ...env, ACGS_PORT: String(port) })),
    ]);
    admin = await loginAsAdmin(a.url);
    spare = await loginAsAdmin(b.url);
    remember({ ...admin });
    remember({ ...spare });
  });

  after(async () => {
    await Promise.all([a?.terminate(), b?.terminate(), ac?.terminate()]);
    await database?.drop();
    const client = new Redis(redis.url);
    try {
      const found = await client.keys(`${prefix}*`);
      if (found.length > 0) await client.del(...found);
    } finally {
      client.disconnect();
    }
    const connection = await connect({ servers: nats.url });
    try {
      await (await connection.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    } finally {
      await connection.close();
    }
  });

  test('both replicas started together created one admin between them', async () => {
    const users = await api(b.url, 'GET', '/api/v1/auth/users', { headers: bearer(admin.accessToken) });
    assert.equal(users.status, 200);
    assert.equal(
      (users.body as unknown as { username: string }[]).filter((u) => u.username === 'admin').length,
      1,
    );
  });

  test('failed logins on either replica add up to one lockout', async () => {
    assert.equal((await login(a.url, 'mallory', 'wrong-password-1')).status, 401);
    assert.equal((await login(b.url, 'mallory', 'wrong-password-2')).status, 401);
    assert.equal((await login(a.url, 'mallory', 'wrong-password-3')).status, 423);
    const locked = await login(b.url, 'mallory', 'wrong-password-4');
    assert.equal(locked.status, 423);
    assert.ok(Number(locked.headers.get('retry-after')) > 60);
  });

  test('the per-account and per-IP login rate limits count across replicas: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof login>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await login(i % 2 === 0 ? a.url : b.url, 'trudy', `wrong-password-${i}`);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 423, 423, 423, 429]);
    assert.match(String(last!.body.detail), /for this account/);
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    // 12 attempts so far from this address (admin ×2, mallory ×4, trudy ×6): the 13th passes, the 14th not.
    assert.equal((await login(a.url, 'oscar', 'wrong-password')).status, 401);
    const limited = await login(b.url, 'oscar', 'wrong-password');
    assert.equal(limited.status, 429);
    assert.match(String(limited.body.detail), /from this address/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  test('a session from one replica is refreshed, reused and revoked across both', async () => {
    const created = await api(a.url, 'POST', '/api/v1/auth/api-keys', {
      headers: bearer(admin.accessToken),
      body: { account: 'agent-7', roles: ['agent'] },
    });
    assert.equal(created.status, 201);
    remember(created.body);
    assert.equal(
      (await api(b.url, 'GET', '/api/v1/auth/me', { headers: bearer(admin.accessToken) })).status,
      200,
    );
    const rotated = remember(
      (await api(b.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } })).body,
    );
    assert.equal(typeof rotated.accessToken, 'string');
    const reuse = await api(a.url, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: admin.refreshToken },
    });
    assert.equal(reuse.body.code, 'AUTH_REFRESH_REUSED');
    for (const replica of [a, b]) {
      const refused = await api(replica.url, 'GET', '/api/v1/auth/me', {
        headers: bearer(String(rotated.accessToken)),
      });
      assert.equal(refused.body.code, 'AUTH_TOKEN_REVOKED');
    }
  });

  test('an API key revoked on one replica is refused on the next request on every replica', async () => {
    admin = spare;
    const created = remember(
      (
        await api(b.url, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer(admin.accessToken),
          body: { account: 'agent-8', roles: ['agent'] },
        })
      ).body,
    );
    const key = String(created.key);
    // Both guards have verified and remember the key (its revocation must reach them, not a lookup).
    for (const replica of [a, b])
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await api(replica.url, 'GET', '/api/v1/auth/me', { headers: { 'x-api-key': key } })).status,
          200,
        );
    await api(b.url, 'POST', `/api/v1/auth/api-keys/${String(created.id)}/revoke`, {
      headers: bearer(admin.accessToken),
    });
    for (const replica of [a, b]) {
      const refused = await api(replica.url, 'GET', '/api/v1/auth/me', { headers: { 'x-api-key': key } });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'AUTH_API_KEY_REVOKED');
    }
  });

  test('a guard in another process verifies over HTTP: JWKS (refetched after rotation) and API keys with service credentials', async () => {
    const service = remember(
      (
        await api(a.url, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer(admin.accessToken),
          body: { account: 'svc-pgc', roles: ['service'], rateLimitPerMinute: 100_000 },
        })
      ).body,
    );
    const agent = remember(
      (
        await api(a.url, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer(admin.accessToken),
          body: { account: 'agent-9', roles: ['agent'] },
        })
      ).body,
    );
    const cache = new RedisCacheStore({ url: redis.url, keyPrefix: prefix });
    try {
      const guard = new TokenAuthenticator({
        keys: new HttpVerificationKeySource(a.url),
        apiKeys: new CachingApiKeyResolver(
          new HttpApiKeyResolver(b.url, 2000, () => ({ 'x-api-key': String(service.key) })),
          30_000,
        ),
        cache,
      });
      const principal = await guard.verifyAccessToken(admin.accessToken);
      assert.deepEqual(principal.roles, ['admin']);
      const viaKey = await guard.authenticate({ headers: { 'x-api-key': String(agent.key) } } as never);
      assert.deepEqual(viaKey?.roles, ['agent']);
      await assert.rejects(
        guard.authenticate({ headers: { 'x-api-key': `${String(agent.key).slice(0, -4)}AAAA` } } as never),
        /API key is not valid/,
      );
      // Without service credentials the Auth service does not resolve keys for anyone.
      const anonymous = new HttpApiKeyResolver(b.url, 2000, () => ({}));
      await assert.rejects(anonymous.resolve(String(agent.key)), /answered 401/);

      const rotation = await api(b.url, 'POST', '/api/v1/auth/keys/rotate', {
        headers: bearer(admin.accessToken),
      });
      assert.equal(rotation.status, 200);
      // Once the new key is active, a refresh signs the new access token with it.
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const fresh = remember(
        (await api(b.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } }))
          .body,
      ) as unknown as Tokens;
      assert.equal(decodeProtectedHeader(fresh.accessToken).kid, rotation.body.kid);
      assert.deepEqual((await guard.verifyAccessToken(fresh.accessToken)).roles, ['admin']);
      assert.deepEqual(
        (await guard.verifyAccessToken(admin.accessToken)).roles,
        ['admin'],
        'the retired key still verifies',
      );
      // Replica A learns the new key too (unknown kid → reload from the database).
      assert.equal(
        (await api(a.url, 'GET', '/api/v1/auth/me', { headers: bearer(fresh.accessToken) })).status,
        200,
      );
      // The refresh spent the old refresh token; carry on with the new pair.
      admin = fresh;
    } finally {
      await cache.close();
    }
  });

  test('another service’s guard (acgs serve ac) verifies tokens and API keys through the Auth service', async () => {
    const service = remember(
      (
        await api(b.url, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer(admin.accessToken),
          body: { account: 'svc-ac', roles: ['service'], rateLimitPerMinute: 100_000 },
        })
      ).body,
    );
    const agent = remember(
      (
        await api(b.url, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer(admin.accessToken),
          body: { account: 'agent-10', roles: ['agent'] },
        })
      ).body,
    );
    const session = remember(
      (await api(a.url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } })).body,
    );
    ac = await startAcgs(['serve', 'ac'], {
      ...env,
      ACGS_PORT: String(await freePort()),
      ACGS_AUTH_URL: a.url,
      ACGS_SERVICE_API_KEY: String(service.key),
    });
    const versions = (headers: Record<string, string>) =>
      api(ac!.url, 'GET', '/api/v1/constitution/versions', { headers });
    assert.equal((await versions({})).status, 401);
    assert.equal((await versions(bearer(String(session.accessToken)))).status, 200);
    assert.equal((await versions({ 'x-api-key': String(agent.key) })).status, 200);
    assert.equal((await versions({ 'x-api-key': `acgs_${'Z'.repeat(12)}_${'z'.repeat(43)}` })).status, 401);

    await api(b.url, 'POST', `/api/v1/auth/api-keys/${String(agent.id)}/revoke`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal((await versions({ 'x-api-key': String(agent.key) })).body.code, 'AUTH_API_KEY_REVOKED');
    const out = await api(b.url, 'POST', '/api/v1/auth/logout', {
      headers: bearer(String(session.accessToken)),
      body: { refreshToken: session.refreshToken },
    });
    assert.equal(out.status, 204);
    assert.equal((await versions(bearer(String(session.accessToken)))).body.code, 'AUTH_TOKEN_REVOKED');
  });

  test('no password, token or key appears in either replica’s output', async () => {
    await Promise.all([a.terminate(), b.terminate(), ac?.terminate()]);
    const output = [
      a.stdout(),
      a.stderr(),
      b.stdout(),
      b.stderr(),
      ac?.stdout() ?? '',
      ac?.stderr() ?? '',
    ].join('\n');
    assert.ok(output.split('\n').length > 30, 'debug logs were captured');
    const leaks = [...secrets]
      .filter((secret) => output.includes(secret))
      .map((secret) => secret.slice(0, 8));
    assert.deepEqual(leaks, []);
  });
});
