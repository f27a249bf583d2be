/**
 * The Auth service in embedded mode, over HTTP: login, refresh rotation and reuse detection,
 * logout, lockout and login rate limits, API keys, TOTP with recovery codes, signing-key rotation,
 * disabling a user; the security events on the bus; and no secret in any log line (done-when 2–4).
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { type RunningPlatform, startPlatform } from '../../src/apps/platform.js';
import { LocalEventBus } from '../../src/bus/index.js';
import { loadConfig } from '../../src/kernel/config.js';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type JsonWebKeySet,
} from '../../src/kernel/contracts/auth.js';
import type { EventEnvelope } from '../../src/kernel/events.js';
import { createLogger } from '../../src/kit/logger.js';
import { envelopeFromEnvironment } from '../../src/kit/secret-envelope.js';
import { base32Decode, hotp, totpStep } from '../../src/services/auth/totp.js';
import { createDatabase } from '../../src/storage/index.js';
import {
  api,
  bearer,
  login,
  loginAsAdmin,
  TEST_ADMIN_PASSWORD,
  type Tokens,
} from '../support/auth-session.js';
import { freePort } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-auth-'));
const LOCKOUT_MS = 2000;
const RATE_WINDOW_MS = 6000;
Object.assign(process.env, {
  ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  ACGS_AUTH_LOCKOUT_MS: String(LOCKOUT_MS),
  ACGS_AUTH_LOGIN_RATE_WINDOW_MS: String(RATE_WINDOW_MS),
  ACGS_AUTH_LOGIN_RATE_PER_IP: '1000',
  ACGS_AUTH_LOGIN_RATE_PER_ACCOUNT: '10',
  ACGS_AUTH_KEY_ACTIVATION_MS: '4000',
});

/** Everything that must never reach a log line. */
const secrets = new Set<string>([TEST_ADMIN_PASSWORD]);
const remember = <T extends Record<string, unknown>>(body: T): T => {
  for (const field of ['accessToken', 'refreshToken', 'key', 'secret']) {
    if (typeof body[field] === 'string') secrets.add(body[field] as string);
  }
  return body;
};
const logLines: string[] = [];
const events: EventEnvelope[] = [];
let platform: RunningPlatform;
let url: string;
let admin: Tokens;
let eventBus: LocalEventBus;
let eventDatabase: ReturnType<typeof createDatabase>;

before(async () => {
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadConfig(
    { mode: 'embedded' },
    { ACGS_DATA_DIR: dataDir, ACGS_PORT: String(await freePort()), LOG_LEVEL: 'trace' },
  );
  platform = await startPlatform(config, {
    logger: createLogger({ level: 'trace', base: { service: 'gateway' }, destination }),
  });
  url = platform.url;
  admin = await loginAsAdmin(url);
  remember({ ...admin });
  eventDatabase = createDatabase(`sqlite:${join(dataDir, 'acgs.db')}`);
  eventBus = await LocalEventBus.open(eventDatabase, { pollIntervalMs: 100 });
  await eventBus.subscribe({
    durable: 'auth-e2e-observer',
    subjects: ['acgs.auth.>'],
    handler: async (message) => {
      events.push(message.event);
      await message.ack();
    },
  });
});

after(async () => {
  await eventBus?.close();
  await eventDatabase?.close();
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function createUser(username: string, roles: string[], password = `${username}-password-123`) {
  const created = await api(url, 'POST', '/api/v1/auth/users', {
    headers: bearer(admin.accessToken),
    body: { username, password, roles },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  secrets.add(password);
  return { id: String(created.body.id), password };
}

async function loginTokens(
  username: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<Tokens> {
  const result = await login(url, username, password, extra);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return remember(result.body) as unknown as Tokens;
}

const me = (headers: Record<string, string>) => api(url, 'GET', '/api/v1/auth/me', { headers });

describe('auth, embedded: tokens', () => {
  test('the access token is a standard EdDSA JWT with the documented claims (verified by jose)', async () => {
    const jwks = (await api(url, 'GET', '/.well-known/jwks.json')).body as unknown as JsonWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(
      admin.accessToken,
      createLocalJWKSet(jwks as never),
      {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
      },
    );
    assert.equal(protectedHeader.alg, 'EdDSA');
    for (const claim of ['sub', 'roles', 'scope', 'jti', 'iss', 'aud', 'exp', 'iat'])
      assert.ok(claim in payload, claim);
    assert.deepEqual(payload.roles, ['admin']);
    assert.equal(payload.exp! - payload.iat!, 15 * 60);
    assert.equal((await me(bearer(admin.accessToken))).body.subject, payload.sub);
  });

  test('refresh rotates; reusing a rotated refresh token revokes the whole family', async () => {
    await createUser('alice', ['policy_author']);
    const first = await loginTokens('alice', 'alice-password-123');
    const second = remember(
      (await api(url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } })).body,
    );
    assert.equal(typeof second.accessToken, 'string');
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal((await me(bearer(String(second.accessToken)))).status, 200);

    const reuse = await api(url, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.code, 'AUTH_REFRESH_REUSED');
    const revokedAccess = await me(bearer(String(second.accessToken)));
    assert.equal(revokedAccess.status, 401);
    assert.equal(revokedAccess.body.code, 'AUTH_TOKEN_REVOKED');
    const laterRefresh = await api(url, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: second.refreshToken },
    });
    assert.equal(laterRefresh.status, 401);
  });

  test('logout revokes the session’s access and refresh tokens', async () => {
    const session = await loginTokens('alice', 'alice-password-123');
    const out = await api(url, 'POST', '/api/v1/auth/logout', {
      headers: bearer(session.accessToken),
      body: { refreshToken: session.refreshToken },
    });
    assert.equal(out.status, 204);
    assert.equal((await me(bearer(session.accessToken))).body.code, 'AUTH_TOKEN_REVOKED');
    assert.equal(
      (await api(url, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }))
        .status,
      401,
    );
  });

  test('signing-key rotation: the new key is published, then signs; tokens of the old key keep verifying', async () => {
    const oldKid = decodeProtectedHeader(admin.accessToken).kid;
    const rotated = await api(url, 'POST', '/api/v1/auth/keys/rotate', {
      headers: bearer(admin.accessToken),
    });
    assert.equal(rotated.status, 200);
    assert.deepEqual(rotated.body.retired, [oldKid]);
    const jwks = (await api(url, 'GET', '/.well-known/jwks.json')).body as unknown as JsonWebKeySet;
    assert.deepEqual(jwks.keys.map((key) => key.kid).sort(), [oldKid, rotated.body.kid].sort());
    assert.equal(
      (await me(bearer(admin.accessToken))).status,
      200,
      'a token of the retired key still verifies',
    );
    const early = await loginAsAdmin(url);
    remember({ ...early });
    assert.equal(
      decodeProtectedHeader(early.accessToken).kid,
      oldKid,
      'the new key is published before it signs',
    );
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const fresh = await loginAsAdmin(url);
    remember({ ...fresh });
    assert.equal(decodeProtectedHeader(fresh.accessToken).kid, rotated.body.kid);
    assert.equal((await me(bearer(fresh.accessToken))).status, 200);
    admin = fresh;
  });
});

describe('auth, embedded: lockout and rate limits', () => {
  test('5 failed logins lock the account; the lock answers 423 with Retry-After and lifts', async () => {
    await createUser('bob', ['reviewer']);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(url, 'bob', 'wrong-password-x')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 423]);
    const locked = await login(url, 'bob', 'bob-password-123');
    assert.equal(locked.status, 423, 'the right password does not open a locked account');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    // Past the per-account rate limit (10 attempts per window): 429 with Retry-After.
    let limited: Awaited<ReturnType<typeof login>> | undefined;
    // Attempts on a locked account are cheap (no hashing), so a window that ran out while the
    // first five were hashed on a busy machine is refilled quickly.
    for (let i = 0; i < 25 && limited === undefined; i++) {
      const attempt = await login(url, 'bob', 'bob-password-123');
      if (attempt.status === 429) limited = attempt;
      else assert.equal(attempt.status, 423);
    }
    assert.ok(limited, 'the per-account rate limit answered 429');
    assert.equal(limited.body.code, 'AUTH_LOGIN_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= RATE_WINDOW_MS / 1000, `retry-after ${retryAfter}`);

    // Once the rate window (which began with the first attempt) has passed, the lock has too.
    await new Promise((resolve) => setTimeout(resolve, Math.max(LOCKOUT_MS, retryAfter * 1000) + 300));
    const lifted = await login(url, 'bob', 'bob-password-123');
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    remember(lifted.body);
  });

  test('an unknown account name locks out like a real one (no account enumeration)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(url, 'nobody-here', 'whatever-password')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 423]);
  });
});

describe('auth, embedded: API keys', () => {
  let agentKey: string;
  let keyId: string;

  test('an admin creates a key for a service account; it is shown once and authenticates as the account', async () => {
    const created = await api(url, 'POST', '/api/v1/auth/api-keys', {
      headers: bearer(admin.accessToken),
      body: { account: 'support-agent', roles: ['agent'], scopes: ['decisions:write'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    remember(created.body);
    agentKey = String(created.body.key);
    keyId = String(created.body.id);
    assert.match(agentKey, /^acgs_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const who = await me({ 'x-api-key': agentKey });
    assert.equal(who.status, 200);
    assert.deepEqual(who.body.roles, ['agent']);
    assert.equal(who.body.kind, 'service');
    assert.deepEqual(who.body.scopes, ['decisions:write']);
    const listed = await api(url, 'GET', '/api/v1/auth/api-keys', { headers: bearer(admin.accessToken) });
    // The secret is everything after the prefix; it may itself contain '_' (base64url).
    const secret = agentKey.slice('acgs_'.length + 12 + 1);
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the list never shows a key');
    assert.equal(
      (await api(url, 'GET', '/api/v1/auth/users', { headers: { 'x-api-key': agentKey } })).status,
      403,
    );
  });

  test('a revoked key is 401 at once', async () => {
    const revoked = await api(url, 'POST', `/api/v1/auth/api-keys/${keyId}/revoke`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(revoked.status, 204);
    const refused = await me({ 'x-api-key': agentKey });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'AUTH_API_KEY_REVOKED');
  });

  test('an expired key is 401', async () => {
    const created = await api(url, 'POST', '/api/v1/auth/api-keys', {
      headers: bearer(admin.accessToken),
      body: { account: 'batch-agent', roles: ['agent'], expiresInDays: 1 },
    });
    remember(created.body);
    // Let the day pass: move the key's expiry into the past in the database (through an
    // asynchronous connection: a synchronous writer in the server's own process would block the
    // event loop that commits the server's open transaction group).
    await eventDatabase
      .as<{ auth_api_keys: { id: string; expires_ms: number } }>()
      .updateTable('auth_api_keys')
      .set({ expires_ms: Date.now() - 1000 })
      .where('id', '=', String(created.body.id))
      .execute();
    const refused = await me({ 'x-api-key': String(created.body.key) });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'AUTH_API_KEY_EXPIRED');
  });
});

describe('auth, embedded: TOTP and disabling', () => {
  test('TOTP: enrol, then login needs a code; a recovery code works once', async () => {
    const { password } = await createUser('carol', ['auditor']);
    const session = await loginTokens('carol', password);
    const setup = await api(url, 'POST', '/api/v1/auth/totp/setup', { headers: bearer(session.accessToken) });
    assert.equal(setup.status, 200);
    remember(setup.body);
    const secret = base32Decode(String(setup.body.secret));
    assert.equal(
      (
        await api(url, 'POST', '/api/v1/auth/totp/confirm', {
          headers: bearer(session.accessToken),
          body: { code: '000000' },
        })
      ).status,
      400,
    );
    const confirm = await api(url, 'POST', '/api/v1/auth/totp/confirm', {
      headers: bearer(session.accessToken),
      body: { code: hotp(secret, totpStep(Date.now())) },
    });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    const codes = confirm.body.recoveryCodes as string[];
    assert.equal(codes.length, 10);
    for (const code of codes) secrets.add(code);

    const without = await login(url, 'carol', password);
    assert.equal(without.status, 401);
    assert.equal(without.body.code, 'AUTH_TOTP_REQUIRED');
    // The confirming step is spent; the next step's code (within the ±1 window) is accepted once.
    const nextCode = hotp(secret, totpStep(Date.now()) + 1);
    await loginTokens('carol', password, { totp: nextCode });
    const replayed = await login(url, 'carol', password, { totp: nextCode });
    assert.equal(replayed.status, 401, 'a code is not replayable');
    // …and the answer says so, rather than blaming the password.
    assert.match(String(replayed.body.detail), /one-time code was already used/);
    const wrongCode = await login(url, 'carol', password, {
      totp: '000000' === nextCode ? '111111' : '000000',
    });
    assert.match(String(wrongCode.body.detail), /one-time code or recovery code is wrong/);
    await loginTokens('carol', password, { recoveryCode: codes[0]! });
    assert.equal((await login(url, 'carol', password, { recoveryCode: codes[0]! })).status, 401);
  });

  test('disabling a user revokes its live access token and stops its logins', async () => {
    const { id, password } = await createUser('dave', ['council_member']);
    const session = await loginTokens('dave', password);
    const disabled = await api(url, 'POST', `/api/v1/auth/users/${id}/disable`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal((await me(bearer(session.accessToken))).status, 401);
    assert.equal((await login(url, 'dave', password)).status, 401);
  });
});

describe('auth, embedded: hostile tokens against the running platform', () => {
  /**
   * The platform's own active signing key, read from its database and opened with its
   * key-encryption key (the generated kek.key), as only an insider holding both could.
   */
  function platformKey() {
    const sqlite = new BetterSqlite3(join(dataDir, 'acgs.db'), { readonly: true });
    try {
      const row = sqlite
        .prepare(
          'SELECT kid, private_pkcs8 FROM auth_signing_keys WHERE retired_ms IS NULL ORDER BY created_ms DESC LIMIT 1',
        )
        .get() as { kid: string; private_pkcs8: string };
      return {
        kid: row.kid,
        key: createPrivateKey({
          key: Buffer.from(
            envelopeFromEnvironment({ ACGS_KEK_FILE: join(dataDir, 'kek.key') }, undefined).open(
              row.private_pkcs8,
            ),
            'base64',
          ),
          format: 'der',
          type: 'pkcs8',
        }),
      };
    } finally {
      sqlite.close();
    }
  }

  async function signed(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const { kid, key } = platformKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
      sub: 'forged-admin',
      roles: ['admin'],
      scope: '',
      jti: `forged-${Math.random()}`,
      iat: now,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid, ...header })
      .sign(key);
  }

  test('a token signed with the platform key passes (the control for the cases below)', async () => {
    assert.equal((await me(bearer(await signed({})))).status, 200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<string>][] = [
    [
      'alg: none',
      async () =>
        new UnsecuredJWT({
          sub: 'x',
          roles: ['admin'],
          jti: 'n',
          iss: ACCESS_TOKEN_ISSUER,
          aud: ACCESS_TOKEN_AUDIENCE,
        })
          .setIssuedAt()
          .setExpirationTime('5m')
          .encode(),
    ],
    [
      'HS256 with the published public key as the secret',
      async () => {
        const jwks = (await api(url, 'GET', '/.well-known/jwks.json')).body as unknown as JsonWebKeySet;
        const jwk = jwks.keys[0]!;
        return new SignJWT({
          sub: 'x',
          roles: ['admin'],
          jti: 'h',
          iss: ACCESS_TOKEN_ISSUER,
          aud: ACCESS_TOKEN_AUDIENCE,
        })
          .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(Buffer.from(jwk.x, 'base64url'));
      },
    ],
    ['expired', () => signed({ iat: now() - 1200, exp: now() - 300 })],
    ['not yet valid', () => signed({ nbf: now() + 300 })],
    ['wrong audience', () => signed({ aud: 'urn:elsewhere' })],
    ['wrong issuer', () => signed({ iss: 'urn:elsewhere' })],
    [
      'tampered payload',
      async () => {
        const [head, , signature] = (await signed({ roles: ['auditor'] })).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: ACCESS_TOKEN_ISSUER,
            aud: ACCESS_TOKEN_AUDIENCE,
            sub: 'x',
            roles: ['admin'],
            jti: 't',
            iat: now(),
            exp: now() + 600,
          }),
        ).toString('base64url');
        return `${head}.${payload}.${signature}`;
      },
    ],
    ['unknown kid', () => signed({}, { kid: 'not-a-published-key' })],
  ];
  for (const [name, make] of cases) {
    test(`${name} → 401`, async () => {
      const response = await me(bearer(await make()));
      assert.equal(response.status, 401, JSON.stringify(response.body));
    });
  }
});

describe('auth, embedded: events and logs', () => {
  test('security events were published on the bus, without secrets', async () => {
    const wanted = [
      'auth.login.succeeded',
      'auth.login.failed',
      'auth.account.locked',
      'auth.refresh.reused',
      'auth.apikey.created',
      'auth.apikey.revoked',
      'auth.user.created',
      'auth.user.disabled',
      'auth.signing-key.rotated',
    ];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !wanted.every((type) => events.some((event) => event.type === type))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      wanted.filter((type) => !events.some((event) => event.type === type)),
      [],
    );
    const failed = events.find((event) => event.type === 'auth.login.failed')!;
    assert.equal(failed.source, 'auth');
    // Personal data is pseudonymized: the address and the name as keyed hashes, never in clear.
    assert.match(String((failed.data as { ipHash?: string }).ipHash), /^[0-9a-f]{32}$/);
    assert.equal((failed.data as { ip?: string }).ip, undefined);
    const text = JSON.stringify(events);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'an event carries a secret');
  });

  test('no password, token, key, TOTP secret or recovery code appears in any log line', () => {
    assert.ok(logLines.length > 50, `only ${logLines.length} log lines captured`);
    assert.ok(secrets.size > 20, `only ${secrets.size} secrets collected`);
    const leaks = logLines.flatMap((line) =>
      [...secrets]
        .filter((secret) => line.includes(secret))
        .map((secret) => `${secret.slice(0, 6)}… in ${line.slice(0, 200)}`),
    );
    assert.deepEqual(leaks, []);
  });
});
