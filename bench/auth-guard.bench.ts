/**
 * Done-when 5 of the Auth issue: the guard's token verification, in the same run as a no-op guard,
 * on one core (this loop runs on the main thread; Ed25519 verification is synchronous there).
 *
 * - `noop`: the kit's guard around an authenticator that returns a principal without looking.
 * - `token (reused)`: the guard verifying a bearer access token a client reuses, as clients do for
 *   its 15 minutes: parsing, the signature checked once and remembered, the time window and the
 *   revocation list (cache store) checked on every call. Target: ≥ 20,000 verifications/s.
 * - `token (fresh)`: a different token on every call, so every call checks an Ed25519 signature;
 *   reported next to the raw `crypto.verify` rate of this machine, which bounds it.
 * - `api key`: the guard resolving an API key (resolution cached, revocation and rate counter in
 *   the cache store on every call).
 * - login latency with the scrypt parameters (N = 2^17, r = 8, p = 1) through the login use case.
 *
 * Tokens are signed by the Auth service's real key ring on a temporary SQLite database.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LocalEventBus } from '../src/bus/index.js';
import { MemoryCacheStore } from '../src/cache/index.js';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../src/kernel/contracts/auth.js';
import type { Principal } from '../src/kernel/roles.js';
import { createGuard } from '../src/kit/route-auth.js';
import { TokenAuthenticator } from '../src/kit/token-authenticator.js';
import { loadAuthSettings } from '../src/services/auth/auth-settings.js';
import { SCRYPT_PARAMETERS } from '../src/services/auth/password-hasher.js';
import { authDeps } from '../src/services/auth/service.js';
import { authMigrations } from '../src/services/auth/store.js';
import { createApiKey } from '../src/services/auth/usecases/create-api-key.js';
import { createUser } from '../src/services/auth/usecases/create-user.js';
import { login } from '../src/services/auth/usecases/login.js';
import { CachingApiKeyResolver, StoreApiKeyResolver } from '../src/services/auth/usecases/resolve-api-key.js';
import { createDatabase } from '../src/storage/index.js';
import { median, writeReport } from './support/bench-helpers.js';

const TARGET_PER_SECOND = 20_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

type Guard = ReturnType<typeof createGuard>;

function requestWith(headers: Record<string, string>) {
  return {
    headers,
    routeOptions: { config: { auth: { roles: ['admin', 'agent'] } } },
    principal: undefined as Principal | undefined,
  } as unknown as Parameters<Guard>[0];
}

/** Calls `next()` through the guard for `SECONDS`, in batches; returns calls per second. */
async function rate(guard: Guard, next: () => Parameters<Guard>[0]): Promise<number> {
  const reply = {} as Parameters<Guard>[1];
  for (let i = 0; i < 2000; i++) await guard(next(), reply);
  let calls = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) await guard(next(), reply);
    calls += 1000;
  }
  return calls / ((performance.now() - started) / 1000);
}

function rawVerifyRate(): number {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const data = Buffer.from('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJiZW5jaCJ9');
  const signature = sign(null, data, privateKey);
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    for (let i = 0; i < 200; i++) verify(null, data, publicKey, signature);
    calls += 200;
  }
  return calls / ((performance.now() - started) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'acgs-auth-bench-'));
const database = createDatabase(`sqlite:${join(dir, 'bench.db')}`);
try {
  await database.migrate('auth', authMigrations);
  const cache = new MemoryCacheStore();
  const bus = await LocalEventBus.open(database);
  const settings = { ...loadAuthSettings({}), loginRatePerIp: 1_000_000, loginRatePerAccount: 1_000_000 };
  const deps = authDeps({ database, bus, cache, logger: pino({ level: 'silent' }) }, settings);
  await deps.keyRing.ensureKey();
  const authenticator = new TokenAuthenticator({
    keys: deps.keyRing,
    apiKeys: new CachingApiKeyResolver(
      new StoreApiKeyResolver(deps.store, deps.bindings, deps.pseudonyms),
      5000,
    ),
    cache,
    verifiedTokenCacheSize: 10_000,
  });
  const principal: Principal = { subject: 'bench', roles: ['admin'], scopes: [], kind: 'user' };
  const noopGuard = createGuard({ authenticate: async () => principal });
  const guard = createGuard(authenticator);

  const claims = (n: number) => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
      sub: `user-${n}`,
      roles: ['admin'],
      scope: '',
      jti: `jti-${n}`,
      iat,
      exp: iat + 900,
    };
  };
  const reused = await deps.keyRing.sign(claims(0));
  // Fresh tokens: more than the verified-token cache holds, so each call verifies a signature.
  const fresh = await Promise.all(Array.from({ length: 30_000 }, (_, n) => deps.keyRing.sign(claims(n + 1))));
  let cursor = 0;
  const key = await createApiKey(deps, {
    account: 'bench-agent',
    roles: ['agent'],
    rateLimitPerMinute: 1_000_000_000,
    actor: 'bench',
  });

  const noop = await rate(noopGuard, () => requestWith({ authorization: `Bearer ${reused}` }));
  const reusedRate = await rate(guard, () => requestWith({ authorization: `Bearer ${reused}` }));
  const freshRate = await rate(guard, () =>
    requestWith({ authorization: `Bearer ${fresh[cursor++ % fresh.length]}` }),
  );
  const apiKeyRate = await rate(guard, () => requestWith({ 'x-api-key': key.key }));
  const rawVerify = rawVerifyRate();

  await createUser(deps, {
    username: 'bench-user',
    password: 'bench-password-123',
    roles: ['reviewer'],
    actor: 'bench',
  });
  const loginMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await login(deps, { username: 'bench-user', password: 'bench-password-123', ip: '127.0.0.1' });
    loginMs.push(performance.now() - started);
  }
  await deps.events.flush();
  await bus.close();

  const report = {
    node: process.version,
    secondsPerScenario: SECONDS,
    targetVerificationsPerSecond: TARGET_PER_SECOND,
    guardPerSecond: {
      noop: Math.round(noop),
      tokenReused: Math.round(reusedRate),
      tokenFresh: Math.round(freshRate),
      apiKey: Math.round(apiKeyRate),
    },
    ratioToNoop: {
      tokenReused: Number((reusedRate / noop).toFixed(3)),
      tokenFresh: Number((freshRate / noop).toFixed(3)),
      apiKey: Number((apiKeyRate / noop).toFixed(3)),
    },
    rawEd25519VerifyPerSecond: Math.round(rawVerify),
    tokenFreshToRawVerify: Number((freshRate / rawVerify).toFixed(3)),
    login: {
      scrypt: SCRYPT_PARAMETERS,
      medianMs: Math.round(median(loginMs)),
      samplesMs: loginMs.map((ms) => Math.round(ms)),
    },
    met: reusedRate >= TARGET_PER_SECOND,
    note: 'Single thread. Figures are noisy on a shared 2-core machine.',
  };
  const path = writeReport('auth-guard', report);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nreport: ${path}\n`);
  if (!report.met) {
    process.stderr.write(
      `token verification ${Math.round(reusedRate)}/s is under the target ${TARGET_PER_SECOND}/s\n`,
    );
    process.exitCode = 1;
  }
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
