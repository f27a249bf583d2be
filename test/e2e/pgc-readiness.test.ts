/**
 * Issue 19, done-when 4: a Policy Governance Compiler replica is ready only when it can do its
 * job. Started without a service key, or with a key that is not a service key, it stops with
 * exit 2 and says why; running, it reports 503 on `/health/ready` naming the integrity log or
 * the Auth service while that one is unreachable, and 200 again once it is back. Distributed
 * mode on one SQLite file per service, so no external server is needed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs, waitFor } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-pgc-ready-'));

/** Polls readiness until `accept`, returning the body and how long it took. */
async function readiness(url: string, accept: (status: number, failing: string[]) => boolean) {
  const started = performance.now();
  const { response, body } = await waitFor(
    `${url}/health/ready`,
    (r, text) =>
      accept(r.status, r.status === 503 ? ((JSON.parse(text) as { failing: string[] }).failing ?? []) : []),
    15_000,
  );
  return {
    status: response.status,
    body: JSON.parse(body) as Record<string, unknown>,
    ms: performance.now() - started,
  };
}

describe('pgc readiness tells the truth about its remote dependencies', () => {
  const env: Record<string, string> = {
    ACGS_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    ACGS_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ACGS_CONSTITUTION_FILE: '',
  };
  const processes = new Map<string, PlatformProcess>();
  let serviceKey = '';
  let agentKey = '';

  const start = async (name: string) => {
    const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
    const process = await startAcgs(['serve', name], {
      ...env,
      ACGS_SERVICE_API_KEY: serviceKey,
      ACGS_PORT: port,
    });
    processes.set(name, process);
    return process;
  };

  before(async () => {
    for (const name of ['auth', 'integrity', 'pgc', 'ac'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const auth = await start('auth');
    const admin = bearer((await loginAsAdmin(auth.url)).accessToken);
    const create = async (account: string, roles: string[]) =>
      String(
        (await api(auth.url, 'POST', '/api/v1/auth/api-keys', { headers: admin, body: { account, roles } }))
          .body.key,
      );
    serviceKey = await create('svc-pgc', ['service']);
    agentKey = await create('agent-7', ['agent']);
  });

  after(async () => {
    await Promise.all(
      [...processes.values()].filter((p) => p.child.exitCode === null).map((p) => p.terminate()),
    );
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('without ACGS_SERVICE_API_KEY, or with a key that is not a service key, pgc stops with exit 2', () => {
    const port = new URL(env.ACGS_PGC_URL!).port;
    const missing = runAcgs(['serve', 'pgc'], { ...env, ACGS_PORT: port, ACGS_SERVICE_API_KEY: '' });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /ACGS_SERVICE_API_KEY is not set/);
    assert.match(missing.stderr, /acgs apikey create --account svc-pgc --role service/);

    const agent = runAcgs(['serve', 'pgc'], { ...env, ACGS_PORT: port, ACGS_SERVICE_API_KEY: agentKey });
    assert.equal(agent.code, 2, agent.stderr);
    assert.match(agent.stderr, /ACGS_SERVICE_API_KEY (is refused by the auth service|belongs to agent-7)/);

    const garbage = runAcgs(['serve', 'pgc'], { ...env, ACGS_PORT: port, ACGS_SERVICE_API_KEY: 'not-a-key' });
    assert.equal(garbage.code, 2, garbage.stderr);
    assert.match(garbage.stderr, /ACGS_SERVICE_API_KEY is not an API key/);
  });

  test('ready with its log and auth; 503 naming integrity, then auth, while each is away; 200 once back', async () => {
    await start('integrity');
    const pgc = await start('pgc');
    const ready = await readiness(pgc.url, (status) => status === 200);
    const checks = Object.keys(ready.body.checks as object).sort();
    assert.deepEqual(checks, ['auth', 'bundle', 'integrity', 'local-bus', 'memory-cache', 'sqlite']);

    await processes.get('integrity')!.terminate();
    const down = await readiness(
      pgc.url,
      (status, failing) => status === 503 && failing.includes('integrity'),
    );
    assert.deepEqual(down.body.failing, ['integrity']);
    assert.match(String(down.body.detail), /integrity/);
    await start('integrity');
    const back = await readiness(pgc.url, (status) => status === 200);

    await processes.get('auth')!.terminate();
    const authDown = await readiness(
      pgc.url,
      (status, failing) => status === 503 && failing.includes('auth'),
    );
    assert.ok((authDown.body.failing as string[]).includes('auth'));
    await start('auth');
    const authBack = await readiness(pgc.url, (status) => status === 200);
    process.stderr.write(
      `# pgc readiness: integrity down noticed in ${Math.round(down.ms)} ms, back in ${Math.round(back.ms)} ms; auth down noticed in ${Math.round(authDown.ms)} ms, back in ${Math.round(authBack.ms)} ms\n`,
    );
  });
});
