import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildKitServer } from '../../test/support/kit-server.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const missing = promtool.error ? 'promtool is not installed (Debian package prometheus)' : false;
if (missing && process.env.CI) throw new Error(`CI is set and ${missing}`);

test('/metrics passes promtool check metrics', { skip: missing }, async () => {
  const kit = await buildKitServer({
    routes: async (app) => {
      app.get('/api/v1/policies/:id', { config: { auth: { public: true } } }, async () => ({ ok: true }));
    },
  });
  try {
    for (const id of ['a', 'b', 'c']) await kit.app.inject({ method: 'GET', url: `/api/v1/policies/${id}` });
    await kit.app.inject({ method: 'GET', url: '/nowhere' });
    const text = (await kit.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /route="\/api\/v1\/policies\/:id"/, 'the route template, not the URL, is the label');
    assert.match(text, /route="unmatched",method="GET",status_code="404"/);
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(result.status, 0, `promtool said:\n${result.stdout}${result.stderr}`);
  } finally {
    await kit.app.close();
  }
});
