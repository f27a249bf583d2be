/**
 * Issue 21, done-when 6: the README's first section, run as written on a fresh data directory,
 * ends with a verified inclusion proof of the decision it made. The commands are read from the
 * README's first two `sh` blocks and run by bash in the repository's root, as a user would. Three
 * things differ from a user's terminal, all forced by a shared test machine: `npm ci` is not run
 * (the tests run on an installed tree); the data directory is a fresh temporary one
 * (ACGS_DATA_DIR) instead of `./.acgs`; and the port is a free one instead of 8080 (the platform
 * gets ACGS_PORT, and the commands' `http://127.0.0.1:8080` and ACGS_URL point at it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/platform-process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The `sh` blocks of the README's first section (up to its second `## ` heading). */
function quickStartBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const first = readme.indexOf('\n## ');
  const second = readme.indexOf('\n## ', first + 1);
  const section = readme.slice(first, second);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('the README quick start ends with a verified inclusion proof of its decision', {
  timeout: 600_000,
}, async () => {
  const [start, steps] = quickStartBlocks();
  assert.ok(start?.includes('npm start') && steps?.includes('acgs log prove'), 'the README has both blocks');
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-quick-start-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ACGS_PORT: String(port), ACGS_URL: url };
  for (const name of [
    'ACGS_DATA_DIR',
    'DATABASE_URL',
    'REDIS_URL',
    'NATS_URL',
    'ACGS_ADMIN_PASSWORD',
    'ACGS_TOKEN',
  ])
    delete env[name];

  const startScript = start!
    .split('\n')
    .filter((line) => line.trim() !== 'npm ci')
    .join('\n');
  const platform = spawn('bash', ['-c', startScript.trim()], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  platform.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  try {
    await new Promise<void>((ready, failed) => {
      const timer = setTimeout(() => failed(new Error(`not ready in 180 s:\n${stderr}`)), 180_000);
      platform.once('exit', (code) => failed(new Error(`npm start exited with ${code}:\n${stderr}`)));
      platform.stderr!.on('data', () => {
        if (/^\s*url:\s+\S+/m.test(stderr)) {
          clearTimeout(timer);
          ready();
        }
      });
    });
    const script = steps!.replaceAll('http://127.0.0.1:8080', url);
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 400_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const decision = JSON.parse(readFileSync(join(ROOT, 'decision.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(decision.decision, 'deny', JSON.stringify(decision));
    assert.match(
      run.stdout,
      new RegExp(
        `^ok: decision ${String(decision.decisionId)} \\(deny\\) is entry \\d+ of \\S+, included in the signed checkpoint of size \\d+`,
        'm',
      ),
      run.stdout,
    );
  } finally {
    if (platform.exitCode === null && platform.pid !== undefined) {
      const exited = new Promise((done) => platform.once('exit', done));
      process.kill(-platform.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(ROOT, 'decision.json'), { force: true });
  }
});
