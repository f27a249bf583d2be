/** The Auth routes through the real kit (inject, no sockets), guarded by the service's own keys. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type AuthFixture, openAuthFixture } from '../../../test/support/auth-fixture.js';
import { TEST_ADMIN_PASSWORD } from '../../../test/support/auth-session.js';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import { AUTH_CACHE_KEYS } from '../../kernel/contracts/auth.js';

describe('auth routes', () => {
  let f: AuthFixture;
  let served: ServedModule;
  let app: FastifyInstance;
  let admin: { authorization: string };
  before(async () => {
    f = await openAuthFixture('auth-routes');
    served = await serveModule(f.auth, f.authenticator);
    app = served.app;
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    });
    assert.equal(login.statusCode, 200, login.body);
    admin = { authorization: `Bearer ${login.json().accessToken}` };
  });
  after(async () => {
    await served.close();
    await f.close();
  });

  it('logs in publicly, refuses a wrong password with one code, and names a missing field', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: 'not-the-password' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'AUTH_INVALID_CREDENTIALS');
    assert.match(String(wrong.headers['content-type']), /application\/problem\+json/);
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin' },
    });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().code, 'VALIDATION_FAILED');
    assert.ok(
      (missing.json().errors as { pointer: string }[]).some((e) => e.pointer.includes('password')),
      missing.body,
    );
  });

  it('answers who-am-I for a session, 401 without credentials', async () => {
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().subject, (await f.auth.deps.store.userByName('admin'))?.id);
    assert.equal(me.json().kind, 'user');
    assert.deepEqual(me.json().roles, ['admin']);
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'AUTH_REQUIRED');
  });

  it('creates API keys for admins only; resolution is for services only, 404 for an unknown key', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys',
      headers: admin,
      payload: { account: 'svc-pgc', roles: ['service'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const serviceKey = { 'x-api-key': created.json().key as string };
    const agent = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys',
      headers: admin,
      payload: { account: 'agent-7', roles: ['agent'] },
    });
    const agentKey = agent.json().key as string;
    const asAgent = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys',
      headers: { 'x-api-key': agentKey },
      payload: { account: 'x', roles: ['agent'] },
    });
    assert.equal(asAgent.statusCode, 403);
    assert.equal(asAgent.json().code, 'AUTH_FORBIDDEN');
    const resolved = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys/resolve',
      headers: serviceKey,
      payload: { key: agentKey },
    });
    assert.equal(resolved.statusCode, 200);
    assert.deepEqual(resolved.json().roles, ['agent']);
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys/resolve',
      headers: admin,
      payload: { key: agentKey },
    });
    assert.equal(byAdmin.statusCode, 403);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys/resolve',
      headers: serviceKey,
      payload: { key: `${agentKey.slice(0, -4)}AAAA` },
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'AUTH_API_KEY_NOT_FOUND');
  });

  it('publishes the JWKS without credentials', async () => {
    const jwks = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(jwks.statusCode, 200);
    assert.ok((jwks.json().keys as unknown[]).length >= 1);
  });

  it('a revocation the cache lost (Redis restarted empty) is listed again within seconds', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: TEST_ADMIN_PASSWORD },
    });
    const { accessToken, refreshToken } = login.json() as { accessToken: string; refreshToken: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    const me = async () => (await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).statusCode;
    const out = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers,
      payload: { refreshToken },
    });
    assert.equal(out.statusCode, 204);
    assert.equal(await me(), 401);
    // The cache loses its data: the marks and the marker are gone.
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
      jti: string;
      sid: string;
    };
    const { cache } = f.auth.deps;
    await cache.delete(AUTH_CACHE_KEYS.revokedSession(claims.sid));
    await cache.delete(AUTH_CACHE_KEYS.revokedToken(claims.jti));
    await cache.delete(AUTH_CACHE_KEYS.revocationsListed);
    assert.equal(await me(), 200, 'with the list lost, the revoked token passes: the hole');
    let status = 200;
    for (const end = Date.now() + 10_000; status === 200 && Date.now() < end; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await me();
    }
    assert.equal(status, 401, 'Auth listed the revocation again');
    assert.ok(await cache.has(AUTH_CACHE_KEYS.revocationsListed));
  });
});
