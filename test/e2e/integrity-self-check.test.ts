/**
 * Issue 21, done-when 3: the log checks its own storage. An entry edited directly in the database
 * (SQLite, the embedded platform running) is found by the scrubber, whose metric names it; the
 * service then reports not ready, reading the entry answers 500 LOG_INTEGRITY_FAILED and no proof
 * of it is served. A stored node altered while the platform is down is found at the next start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type RunningPlatform, startPlatform } from '../../src/apps/platform.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kit/logger.js';
import { planRoot } from '../../src/merkle/index.js';
import { bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-log-self-check-'));
Object.assign(process.env, {
  ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  ACGS_LOG_CHECKPOINT_MS: '0',
  ACGS_LOG_SCRUB_RATE: '50000',
});
let platform: RunningPlatform | undefined;

after(async () => {
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<RunningPlatform> {
  const config = loadConfig(
    { mode: 'embedded' },
    { ACGS_DATA_DIR: dataDir, ACGS_PORT: String(await freePort()), LOG_LEVEL: 'silent' },
  );
  return startPlatform(config, { logger: createLogger({ level: 'silent', base: {} }) });
}

async function get(app: RunningPlatform, url: string, headers: Record<string, string> = {}) {
  const response = await app.app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.body };
}

/** Polls until `accept` holds; the timeout only stops a hang. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: never happened; last ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

function metric(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

describe('the integrity log checks its own storage', () => {
  test('an edited entry: the scrubber names it, not ready, the read and its proof answer 500', async () => {
    const running = await start();
    platform = running;
    const admin = bearer((await loginAsAdmin(running.url)).accessToken);
    // Only services append to the log, each under its own identity (docs/security.md).
    const created = await running.app.inject({
      method: 'POST',
      url: '/api/v1/auth/api-keys',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ account: 'svc-pgc', roles: ['service'] }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const pgc = { 'x-api-key': String(JSON.parse(created.body).key) };
    for (let n = 0; n < 40; n++) {
      const appended = await running.app.inject({
        method: 'POST',
        url: '/api/v1/log/entries',
        headers: { ...pgc, 'content-type': 'application/json' },
        payload: JSON.stringify({ type: 'test.self-check', source: 'pgc', payload: { n } }),
      });
      assert.equal(appended.statusCode, 201, appended.body);
    }
    assert.equal((await get(platform, '/health/ready')).status, 200);
    const size = JSON.parse((await get(platform, '/api/v1/log/checkpoint', admin)).body).size as number;
    const target = size - 7;
    assert.equal((await get(platform, `/api/v1/log/entries/${target}`, admin)).status, 200);
    assert.equal((await get(platform, `/api/v1/log/proofs/inclusion?index=${target}`, admin)).status, 200);

    // The edit, from outside the service, as someone with write access to the database would make it.
    const db = new BetterSqlite3(join(dataDir, 'acgs.db'));
    try {
      const row = db.prepare('select entry from integrity_log_entries where idx = ?').get(target) as {
        entry: string;
      };
      const edited = row.entry.replace('"n":', '"n":1');
      assert.notEqual(edited, row.entry);
      db.prepare('update integrity_log_entries set entry = ? where idx = ?').run(edited, target);
    } finally {
      db.close();
    }

    const metrics = await eventually(
      'the scrubber names the edited entry',
      async () => (await get(platform!, '/metrics')).body,
      (text) => metric(text, 'acgs_log_scrub_first_bad_index') === target,
    );
    assert.equal(metric(metrics, 'acgs_log_integrity_ok'), 0);
    assert.equal(metric(metrics, 'acgs_log_integrity_first_bad_index'), target);
    assert.ok((metric(metrics, 'acgs_log_scrub_entries_total') ?? 0) >= size);

    const ready = await get(platform, '/health/ready');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /log-integrity/);
    assert.match(ready.body, new RegExp(`entry ${target}`));

    const read = await get(platform, `/api/v1/log/entries/${target}`, admin);
    assert.equal(read.status, 500);
    assert.equal(JSON.parse(read.body).code, 'LOG_INTEGRITY_FAILED');
    const page = await get(platform, `/api/v1/log/entries?start=${target - 2}`, admin);
    assert.equal(page.status, 500);
    const proof = await get(platform, `/api/v1/log/proofs/inclusion?index=${target}`, admin);
    assert.equal(proof.status, 500);
    assert.equal(JSON.parse(proof.body).code, 'LOG_INTEGRITY_FAILED');
    // Entries that were not touched are still served, and so are their proofs.
    assert.equal((await get(platform, `/api/v1/log/entries/${target - 1}`, admin)).status, 200);
    assert.equal(
      (await get(platform, `/api/v1/log/proofs/inclusion?index=${target - 1}`, admin)).status,
      200,
    );
    await platform.stop();
    platform = undefined;
  });

  test('a stored node altered while the service is down is found at start', async () => {
    const db = new BetterSqlite3(join(dataDir, 'acgs.db'));
    try {
      // Put the edited entry back, so that only the node is wrong.
      const rows = db.prepare('select idx, entry from integrity_log_entries order by idx').all() as {
        idx: number;
        entry: string;
      }[];
      for (const row of rows) {
        if (row.entry.includes('"n":1')) {
          db.prepare('update integrity_log_entries set entry = ? where idx = ?').run(
            row.entry.replace('"n":1', '"n":'),
            row.idx,
          );
        }
      }
      // The largest complete subtree of the signed tree's root, in the row of the leaf completing it.
      const { size } = db.prepare('select max(size) as size from integrity_log_checkpoints').get() as {
        size: number;
      };
      const [top] = planRoot(size).nodes;
      assert.ok(top && top.level > 0, `size ${size} has a subtree above the leaves`);
      const row = (top.index + 1) * 2 ** top.level - 1;
      const { nodes } = db.prepare('select nodes from integrity_log_entries where idx = ?').get(row) as {
        nodes: Buffer;
      };
      const at = (top.level - 1) * 32;
      nodes[at] = (nodes[at] ?? 0) ^ 0xff;
      db.prepare('update integrity_log_entries set nodes = ? where idx = ?').run(nodes, row);
    } finally {
      db.close();
    }
    process.env.ACGS_LOG_SCRUB_RATE = '0';
    try {
      platform = await start();
    } finally {
      process.env.ACGS_LOG_SCRUB_RATE = '50000';
    }
    const ready = await get(platform, '/health/ready');
    assert.equal(ready.status, 503, ready.body);
    assert.match(ready.body, /log-integrity/);
    assert.match(ready.body, /not the signed/);
    const metrics = (await get(platform, '/metrics')).body;
    assert.equal(metric(metrics, 'acgs_log_integrity_ok'), 0);
    assert.match(metrics, /acgs_log_integrity_failures_total\{check="start"\} 1/);
  });
});
