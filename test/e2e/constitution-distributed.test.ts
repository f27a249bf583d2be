/**
 * Done-when 4 across processes: `acgs serve ac` and `acgs serve pgc` (with `acgs serve auth` for
 * the admin login) as separate processes. After the admin bootstraps a version at the
 * Constitutional AI service, the other service's responses carry the new hash within its 5 s
 * refresh, and a client sending the old hash gets 409 there too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { EXAMPLE_FILE, exampleConstitution } from '../support/constitution-fixture.js';
import { freePort, type PlatformProcess, startAcgs, waitFor } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-constitution-dist-'));
const example = constitutionalHashOf(exampleConstitution().document);

describe('the constitutional hash across processes (distributed mode, one SQLite file per service)', () => {
  const processes = new Map<string, PlatformProcess>();
  const env: Record<string, string> = {
    ACGS_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    LOG_LEVEL: 'warn',
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ACGS_CONSTITUTION_FILE: '',
  };

  before(async () => {
    for (const name of ['auth', 'ac', 'pgc'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    for (const name of ['auth', 'ac', 'pgc']) {
      const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
      processes.set(name, await startAcgs(['serve', name], { ...env, ACGS_PORT: port }));
      if (name === 'auth') {
        // The PGC calls the log with a service key; it does not start without one.
        const auth = processes.get('auth')!.url;
        const created = await api(auth, 'POST', '/api/v1/auth/api-keys', {
          headers: bearer((await loginAsAdmin(auth)).accessToken),
          body: { account: 'svc-pgc', roles: ['service'] },
        });
        env.ACGS_SERVICE_API_KEY = String(created.body.key);
      }
    }
  });
  after(async () => {
    await Promise.all([...processes.values()].map((p) => p.terminate()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serve starts without a constitution; a bootstrap at ac reaches pgc; the old hash gets 409 at pgc', async () => {
    const ac = processes.get('ac')!.url;
    const pgc = processes.get('pgc')!.url;
    const empty = await api(ac, 'GET', '/api/v1/constitution/active/hash');
    assert.notEqual(empty.body.hash, example.hash, 'distributed mode publishes nothing by default');
    const before = (await fetch(`${pgc}/health/live`)).headers.get('x-constitutional-hash');
    assert.equal(before, String(empty.body.short));

    const token = (await loginAsAdmin(processes.get('auth')!.url)).accessToken;
    const published = await api(ac, 'POST', '/api/v1/constitution/bootstrap', {
      headers: bearer(token),
      body: { yaml: readFileSync(EXAMPLE_FILE, 'utf8') },
    });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.equal(published.body.hash, example.hash);

    await waitFor(
      `${pgc}/health/live`,
      (response) => response.headers.get('x-constitutional-hash') === example.short,
      12_000,
    );
    const stale = await fetch(`${pgc}/health/live`, {
      headers: { 'x-constitutional-hash': String(empty.body.short) },
    });
    assert.equal(stale.status, 409);
    const problem = (await stale.json()) as Record<string, string>;
    assert.equal(problem.activeHash, example.hash);
  });
});
