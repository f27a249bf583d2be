/**
 * The security issue's done-when 5 and 6 across processes: two Auth replicas and two Policy
 * Governance Compiler replicas (`acgs serve`) on one PostgreSQL database, one Redis prefix and one
 * NATS stream.
 *
 * - Limits (done-when 5): the PGC replicas run with a per-client limit of 30 a minute. Anonymous
 *   traffic, a user's token, an API key without a limit of its own and one with its own limit each
 *   spend their minute half on one replica and half on the other: neither replica alone has seen
 *   the limit, yet both then answer 429 with `Retry-After` — the counts are shared (a replica
 *   learns them within one 50 ms flush, so at most one more request per replica passes).
 * - Revocation (done-when 6): a session with two access tokens (from the login and a refresh) is
 *   logged out on one Auth replica; both tokens are refused by both Auth replicas and by both PGC
 *   replicas on their next request, within a second. Disabling a user does the same.
 * - Lockout (done-when 5): failed logins lock a name from one address on both Auth replicas; its
 *   owner logs in from another, and from there again after `acgs user unlock`.
 * - Secrets at rest (done-when 4, distributed): the signing and pseudonym keys in PostgreSQL are
 *   sealed with the run's KEK, and without one the services that keep secrets do not start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  api,
  bearer,
  login,
  loginAsAdmin,
  TEST_ADMIN_PASSWORD,
  type Tokens,
} from '../support/auth-session.js';
import { migrateWithServiceKey, removeRunState, runEnvironment } from '../support/distributed-run.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const { postgres, redis, nats, skip } = await distributedServices();

/** The PGC replicas' per-client limit, a minute. */
const LIMIT = 30;
/** A route of the PGC every test caller may read (auditors). */
const BUNDLES = '/api/v1/policies/bundles';
const PASSWORD = 'security-e2e-password-1';

describe('security, distributed: limits and revocation hold across replicas sharing Redis', { skip }, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('sece2e');
  const env: Record<string, string> = {};
  let authA: PlatformProcess;
  let authB: PlatformProcess;
  let pgcA: PlatformProcess;
  let pgcB: PlatformProcess;
  let admin: Record<string, string>;

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'sec');
    Object.assign(env, {
      ...runEnvironment(run, { database: database.url, redis: redis.url, nats: nats.url }),
      LOG_LEVEL: 'warn',
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_CONSTITUTION_FILE: '',
      // The test plays several anonymous clients through X-Forwarded-For.
      ACGS_TRUSTED_PROXIES: '127.0.0.1',
    });
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    env.ACGS_AUTH_URL = `http://127.0.0.1:${ports[0]},http://127.0.0.1:${ports[1]}`;
    for (const name of ['integrity', 'ac', 'fv', 'ec'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const serviceKey = migrateWithServiceKey(env, 'pgc');
    const serve = (service: string, port: number | undefined, extra: Record<string, string> = {}) =>
      startAcgs(['serve', service], { ...env, ...extra, ACGS_PORT: String(port) });
    [authA, authB] = await Promise.all([serve('auth', ports[0]), serve('auth', ports[1])]);
    const pgc = { ACGS_SERVICE_API_KEY: serviceKey, ACGS_RATE_LIMIT_PER_MINUTE: String(LIMIT) };
    [pgcA, pgcB] = await Promise.all([serve('pgc', ports[2], pgc), serve('pgc', ports[3], pgc)]);
    admin = bearer((await loginAsAdmin(authA.url)).accessToken);
  });

  after(async () => {
    await Promise.all(
      [authA, authB, pgcA, pgcB].filter((p) => p?.child.exitCode === null).map((p) => p.terminate()),
    );
    await database?.drop();
    await removeRunState(run, redis.url, nats.url);
  });

  /** Creates a user with `roles` and logs it in on Auth replica A. */
  async function user(username: string, roles: string[]): Promise<{ id: string; tokens: Tokens }> {
    const created = await api(authA.url, 'POST', '/api/v1/auth/users', {
      headers: admin,
      body: { username, password: PASSWORD, roles },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const session = await login(authA.url, username, PASSWORD);
    assert.equal(session.status, 200, JSON.stringify(session.body));
    return { id: String(created.body.id), tokens: session.body as unknown as Tokens };
  }

  async function apiKey(
    account: string,
    extra: Record<string, unknown> = {},
  ): Promise<Record<string, string>> {
    const created = await api(authB.url, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account, roles: ['auditor'], ...extra },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { 'x-api-key': String(created.body.key) };
  }

  /**
   * Spends `n` requests of one client, alternating between the PGC replicas (each sees half), then
   * goes on alternating until both have refused: returns the first `n` statuses, how many more were
   * admitted, and the refusals. A replica learns the shared count when it adds its own to it (every
   * 50 ms), so at most one more request per replica may pass before it does.
   */
  async function spendAcrossReplicas(headers: Record<string, string>, n: number) {
    const replicas = [pgcA, pgcB];
    const statuses: number[] = [];
    for (let i = 0; i < n; i++)
      statuses.push((await api(replicas[i % 2]!.url, 'GET', BUNDLES, { headers })).status);
    const refusals: (Awaited<ReturnType<typeof api>> & { url: string })[] = [];
    let extra = 0;
    for (let i = 0; i < 8 && refusals.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const replica = replicas[i % 2]!;
      if (refusals.some((r) => r.url === replica.url)) continue;
      const answer = await api(replica.url, 'GET', BUNDLES, { headers });
      if (answer.status === 429) refusals.push({ ...answer, url: replica.url });
      else extra++;
    }
    return { statuses, extra, refusals };
  }

  function assertLimitedOnBoth(
    spent: Awaited<ReturnType<typeof spendAcrossReplicas>>,
    what: string,
    limit = LIMIT,
  ) {
    assert.equal(spent.refusals.length, 2, `${what}: both replicas refuse`);
    assert.ok(
      spent.extra <= 2,
      `${what}: ${spent.extra} requests over the limit passed (at most one per replica)`,
    );
    for (const answer of spent.refusals) {
      assert.equal(answer.body.code, 'RATE_LIMITED');
      assert.match(String(answer.headers.get('content-type')), /application\/problem\+json/);
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${retryAfter}`);
    }
    process.stderr.write(
      `# security: ${what}: limit ${limit}, ${spent.extra} more passed before both replicas refused\n`,
    );
  }

  test('anonymous traffic over the limit, half on each replica, gets 429 with Retry-After on both', async () => {
    const client = { 'x-forwarded-for': '203.0.113.50' };
    const spent = await spendAcrossReplicas(client, LIMIT);
    assert.deepEqual(spent.statuses, Array(LIMIT).fill(401), 'each replica alone saw only half the limit');
    assertLimitedOnBoth(spent, 'anonymous');
    const other = await api(pgcA.url, 'GET', BUNDLES, { headers: { 'x-forwarded-for': '203.0.113.51' } });
    assert.equal(other.status, 401, 'another address has its own count');
  });

  test('a user’s token over the limit, half on each replica, gets 429 with Retry-After on both', async () => {
    const { tokens } = await user('rate-user', ['auditor']);
    const spent = await spendAcrossReplicas(bearer(tokens.accessToken), LIMIT);
    assert.deepEqual(spent.statuses, Array(LIMIT).fill(200));
    assertLimitedOnBoth(spent, 'user token');
  });

  test('API keys over their limit — the per-client one, or a key’s own — get 429 with Retry-After on both', async () => {
    const plain = await spendAcrossReplicas(await apiKey('rate-agent'), LIMIT);
    assert.deepEqual(
      plain.statuses,
      Array(LIMIT).fill(200),
      'a key without a limit of its own has the replicas’ 30',
    );
    assertLimitedOnBoth(plain, 'API key');
    const own = 12;
    const small = await spendAcrossReplicas(await apiKey('small-agent', { rateLimitPerMinute: own }), own);
    assert.deepEqual(small.statuses, Array(own).fill(200));
    assertLimitedOnBoth(small, 'API key with its own limit', own);
  });

  test('after logout on one Auth replica, every access token of the session is refused on every replica within a second', async () => {
    const { tokens } = await user('session-user', ['auditor']);
    const refreshed = await api(authB.url, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const sessionTokens = [tokens.accessToken, String(refreshed.body.accessToken)];
    const replicas: [string, string, string][] = [
      ['auth A', authA.url, '/api/v1/auth/me'],
      ['auth B', authB.url, '/api/v1/auth/me'],
      ['pgc A', pgcA.url, BUNDLES],
      ['pgc B', pgcB.url, BUNDLES],
    ];
    // Every replica has verified (and remembers) both tokens before the logout.
    for (const token of sessionTokens)
      for (const [name, url, path] of replicas)
        assert.equal((await api(url, 'GET', path, { headers: bearer(token) })).status, 200, name);

    const out = await api(authA.url, 'POST', '/api/v1/auth/logout', {
      headers: bearer(sessionTokens[1]!),
      body: { refreshToken: refreshed.body.refreshToken },
    });
    assert.equal(out.status, 204, JSON.stringify(out.body));
    const loggedOutAt = performance.now();
    const refusals = await Promise.all(
      sessionTokens.flatMap((token, t) =>
        replicas.map(async ([name, url, path]) => {
          const answer = await api(url, 'GET', path, { headers: bearer(token) });
          return { what: `token ${t + 1} on ${name}`, status: answer.status, code: answer.body.code };
        }),
      ),
    );
    const elapsedMs = performance.now() - loggedOutAt;
    for (const r of refusals) assert.deepEqual([r.status, r.code], [401, 'AUTH_TOKEN_REVOKED'], r.what);
    assert.ok(elapsedMs < 1000, `refused everywhere within ${Math.round(elapsedMs)} ms`);
    process.stderr.write(
      `# security: 2 tokens × 4 replicas refused ${Math.round(elapsedMs)} ms after the logout\n`,
    );
  });

  test('secrets at rest on PostgreSQL are sealed; without ACGS_KEK, auth, pgc and integrity stop at start (exit 2)', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const stored = [
        ['auth signing keys', 'SELECT private_pkcs8 AS v FROM auth_signing_keys'],
        ['auth pseudonym key', 'SELECT value AS v FROM auth_secrets'],
        ['bundle signing keys', 'SELECT private_key AS v FROM pgc_signing_keys'],
        ['principal pseudonym key', 'SELECT value AS v FROM pgc_secrets'],
      ] as const;
      for (const [what, query] of stored) {
        const rows = (await client.query<{ v: string }>(query)).rows;
        assert.ok(rows.length > 0, `${what} exist`);
        for (const row of rows) assert.match(row.v, /^enc:v1:/, `${what} are sealed with the KEK`);
      }
    } finally {
      await client.end();
    }
    for (const service of ['auth', 'pgc', 'integrity']) {
      const refused = runAcgs(['serve', service], {
        ...env,
        ACGS_KEK: '',
        ACGS_PORT: String(await freePort()),
      });
      assert.equal(refused.code, 2, `${service}: ${refused.stderr}`);
      assert.match(refused.stderr, /ACGS_KEK/);
      assert.match(refused.stderr, /acgs kek generate/);
    }
  });

  test('a locked account’s owner logs in from another address, and from anywhere after `acgs user unlock`', async () => {
    await user('locked-owner', ['auditor']);
    const attempt = (password: string, address: string, replica: PlatformProcess) =>
      api(replica.url, 'POST', '/api/v1/auth/login', {
        headers: { 'x-forwarded-for': address },
        body: { username: 'locked-owner', password },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 10 && statuses.at(-1) !== 423; i++)
      statuses.push((await attempt(`wrong-password-${i}`, '203.0.113.90', i % 2 ? authB : authA)).status);
    assert.equal(statuses.at(-1), 423, `failures lock the name from that address: ${statuses}`);
    assert.equal((await attempt(PASSWORD, '203.0.113.90', authB)).status, 423, 'even the right password');
    assert.equal((await attempt(PASSWORD, '203.0.113.91', authA)).status, 200, 'the owner, elsewhere');
    const unlocked = runAcgs(['user', 'unlock', 'locked-owner'], env);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal(
      (await attempt(PASSWORD, '203.0.113.90', authB)).status,
      200,
      'after the unlock, from there too',
    );
  });

  test('disabling a user on one Auth replica refuses its session’s tokens on the PGC replicas', async () => {
    const { id, tokens } = await user('disabled-user', ['auditor']);
    for (const replica of [pgcA, pgcB])
      assert.equal(
        (await api(replica.url, 'GET', BUNDLES, { headers: bearer(tokens.accessToken) })).status,
        200,
      );
    const disabled = await api(authB.url, 'POST', `/api/v1/auth/users/${id}/disable`, { headers: admin });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    for (const replica of [pgcA, pgcB]) {
      const refused = await api(replica.url, 'GET', BUNDLES, { headers: bearer(tokens.accessToken) });
      assert.deepEqual([refused.status, refused.body.code], [401, 'AUTH_TOKEN_REVOKED']);
    }
  });
});
