/**
 * The first start as an operator sees it (an admin whose generated password is printed once, on
 * stderr, never in the logs) and the `acgs user` / `acgs apikey` commands against a running
 * embedded platform's database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login } from '../support/auth-session.js';
import { CLI, freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-auth-cli-'));
const ENV = {
  ACGS_DATA_DIR: dataDir,
  DATABASE_URL: '',
  REDIS_URL: '',
  NATS_URL: '',
  LOG_LEVEL: 'debug',
  ACGS_ADMIN_PASSWORD: '',
};

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`not true within ${timeoutMs} ms`);
}

describe('auth: first start and the CLI', () => {
  let platform: PlatformProcess;
  let adminPassword: string;

  before(async () => {
    platform = await startAcgs(['up'], { ...ENV, ACGS_PORT: String(await freePort()) });
  });

  after(async () => {
    await platform?.terminate();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the first start prints a generated admin password once on stderr; it logs in and is in no log line', async () => {
    const match = /user: +admin\n +password: +(\S+)/.exec(platform.stderr());
    assert.ok(match, platform.stderr());
    adminPassword = match[1]!;
    assert.ok(adminPassword.length >= 20);
    const result = await login(platform.url, 'admin', adminPassword);
    assert.equal(result.status, 200);
    assert.ok(!platform.stdout().includes(adminPassword), 'the password is not in the logs');
  });

  test('acgs user create prints the new password once; the user logs in; acgs user disable stops it', async () => {
    const created = runAcgs(['user', 'create', 'erin', '--role', 'reviewer', '--role', 'auditor'], ENV);
    assert.equal(created.code, 0, created.stderr);
    const password = created.stdout.trim();
    assert.match(created.stderr, /created user erin .* with roles reviewer, auditor/);
    const session = await login(platform.url, 'erin', password);
    assert.equal(session.status, 200);
    const listed = runAcgs(['user', 'list'], ENV);
    assert.match(listed.stdout, /^erin\tuser\treviewer,auditor\tactive/m);
    assert.match(listed.stdout, /^admin\tuser\tadmin\tactive/m);
    assert.ok(!listed.stdout.includes(password));
    assert.equal(runAcgs(['user', 'disable', 'erin'], ENV).code, 0);
    assert.equal((await login(platform.url, 'erin', password)).status, 401);
    const short = spawnSync(
      process.execPath,
      [CLI, 'user', 'create', 'gina', '--role', 'auditor', '--password-stdin'],
      { env: { ...process.env, ...ENV }, input: 'short\n', encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(short.status, 2);
    assert.match(short.stderr, /needs at least 12 characters \(got 5\); nothing was created/);

    // From a directory without the platform's database: a clear refusal, and nothing left behind.
    const elsewhere = mkdtempSync(join(tmpdir(), 'acgs-elsewhere-'));
    try {
      const wrongDir = runAcgs(['user', 'list'], { ...ENV, ACGS_DATA_DIR: join(elsewhere, '.acgs') });
      assert.equal(wrongDir.code, 2);
      assert.match(
        wrongDir.stderr,
        /no platform database at .*acgs\.db.*run them in the directory where `npm start`/s,
      );
      assert.equal(existsSync(join(elsewhere, '.acgs')), false, 'no empty database was created');
      const exportElsewhere = runAcgs(['log', 'export', join(elsewhere, 'x.ndjson')], {
        ...ENV,
        ACGS_DATA_DIR: join(elsewhere, '.acgs'),
      });
      assert.equal(exportElsewhere.code, 2);
      assert.match(exportElsewhere.stderr, /no platform database/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }

    const bad = runAcgs(['user', 'create', 'frank', '--role', 'root'], ENV);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown role "root"/);
  });

  test('acgs apikey create prints a working key once; acgs apikey revoke stops it', async () => {
    const created = runAcgs(['apikey', 'create', '--account', 'ops-agent', '--role', 'agent'], ENV);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^acgs_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const prefix = key.split('_')[1]!;
    const me = () => api(platform.url, 'GET', '/api/v1/auth/me', { headers: { 'x-api-key': key } });
    assert.equal((await me()).status, 200);
    const listed = runAcgs(['apikey', 'list'], ENV);
    assert.match(listed.stdout, new RegExp(`\\t${prefix}\\tops-agent\\tagent\\tactive`));
    assert.ok(!listed.stdout.includes(key));
    const revoked = runAcgs(['apikey', 'revoke', prefix], ENV);
    assert.equal(revoked.code, 0, revoked.stderr);
    // The running platform's resolver remembers a key for 5 s; then the database says revoked.
    await eventually(async () => (await me()).status === 401);
    assert.equal((await me()).body.code, 'AUTH_API_KEY_REVOKED');
  });

  test('a restart does not create or print another admin', async () => {
    // A session logged out before the restart stays logged out after it (the in-process
    // revocation list is rebuilt from the database).
    const session = (await login(platform.url, 'admin', adminPassword)).body;
    const out = await api(platform.url, 'POST', '/api/v1/auth/logout', {
      headers: { authorization: `Bearer ${String(session.accessToken)}` },
      body: { refreshToken: session.refreshToken },
    });
    assert.equal(out.status, 204);
    const first = platform;
    await first.terminate();
    // Logs are flushed on exit: the whole run's output, at debug level, holds no password or key.
    assert.ok(first.stdout().split('\n').length > 10);
    assert.ok(!first.stdout().includes(adminPassword), 'the admin password is not in the logs');
    platform = await startAcgs(['up'], { ...ENV, ACGS_PORT: String(await freePort()) });
    assert.doesNotMatch(platform.stderr(), /password:/);
    assert.equal((await login(platform.url, 'admin', adminPassword)).status, 200);
    const stale = await api(platform.url, 'GET', '/api/v1/auth/me', {
      headers: { authorization: `Bearer ${String(session.accessToken)}` },
    });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.code, 'AUTH_TOKEN_REVOKED');
  });
});
