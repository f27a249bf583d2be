import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/platform-process.js';
import { portFromCommandLine } from './container-healthcheck.js';

test('the port follows the container command: serve <service>, --port, or up', () => {
  assert.equal(portFromCommandLine(['node', 'dist/src/cli/main.js', 'serve', 'pgc']), 8005);
  assert.equal(
    portFromCommandLine(['node', 'dist/src/cli/main.js', 'serve', 'auth', '--port', '9100']),
    9100,
  );
  assert.equal(portFromCommandLine(['node', 'dist/src/cli/main.js', 'up']), 8080);
  assert.equal(portFromCommandLine([]), 8080);
});

test('exits 0 when /health/live answers 200 on ACGS_PORT, 1 when it answers otherwise or nothing listens', async () => {
  const script = fileURLToPath(new URL('./container-healthcheck.js', import.meta.url));
  let status = 200;
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/health/live' ? status : 404;
    response.end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  // Asynchronous: the server answering the check lives in this process.
  const run = (env: NodeJS.ProcessEnv) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: 'ignore' });
      child.once('exit', resolve);
    });
  try {
    assert.equal(await run({ ACGS_PORT: String(port) }), 0);
    status = 503;
    assert.equal(await run({ ACGS_PORT: String(port) }), 1);
  } finally {
    server.close();
  }
  const closed = await freePort();
  assert.equal(
    spawnSync(process.execPath, [script], { env: { ...process.env, ACGS_PORT: String(closed) } }).status,
    1,
  );
});
