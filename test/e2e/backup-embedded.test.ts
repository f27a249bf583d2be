/**
 * `acgs backup` and `acgs dr drill` on a real embedded platform, as an operator runs them: an online
 * backup taken while appends continue holds every decision and append acknowledged before it started; the drill
 * restores into a new data directory, starts the platform, verifies the log against its signed
 * checkpoint and prints RTO and RPO; a wrong key and a modified archive are refused with exit 1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../src/merkle/index.js';
import { loadPolicies } from '../../src/policy/index.js';
import { createLogStore } from '../../src/services/integrity/sql-log-store.js';
import { createDatabase } from '../../src/storage/index.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { CLI, freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';

const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'acgs-backup-e2e-'));
const dataDir = join(root, 'data');
const keyFile = join(root, 'backup.key');
const otherKeyFile = join(root, 'other.key');
const env = {
  ACGS_DATA_DIR: dataDir,
  DATABASE_URL: '',
  REDIS_URL: '',
  NATS_URL: '',
  LOG_LEVEL: 'warn',
  ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  ACGS_LOG_CHECKPOINT_MS: '100',
  ACGS_BACKUP_KEY_FILE: keyFile,
};
let platform: PlatformProcess | undefined;

interface Ack {
  readonly index: number;
  readonly leafHash: string;
}

before(async () => {
  writeFileSync(keyFile, runAcgs(['backup', 'keygen'], env).stdout, { mode: 0o600 });
  writeFileSync(otherKeyFile, runAcgs(['backup', 'keygen'], env).stdout, { mode: 0o600 });
  platform = await startAcgs(['up'], { ...env, ACGS_PORT: String(await freePort()) }, 60_000);
});

after(async () => {
  await platform?.terminate();
  rmSync(root, { recursive: true, force: true });
});

/** `acgs <args>` without blocking this process's event loop (appends go on meanwhile). */
function runAcgsAsync(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function append(url: string, headers: Record<string, string>, n: number): Promise<Ack> {
  const reply = await api(url, 'POST', '/api/v1/log/entries', {
    headers,
    body: { type: 'policy.decision', source: 'pgc', payload: { decision: 'allow', n } },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body as unknown as Ack;
}

interface Decided {
  readonly decisionId: string;
  readonly logReceipt: { readonly index: number; readonly position: number; readonly leafHash: string };
}

/** Activates the example policies and makes `count` decisions; returns their answers (all logged). */
async function decide(url: string, admin: Record<string, string>, count: number): Promise<Decided[]> {
  const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
  const bundle = await api(url, 'POST', '/api/v1/policies/bundles', { headers: admin, body: { policies } });
  // 200: the platform may hold this bundle already (content-addressed); it is created otherwise.
  assert.ok([200, 201].includes(bundle.status), JSON.stringify(bundle.body));
  const activated = await api(url, 'POST', `/api/v1/policies/bundles/${bundle.body.id}/activate`, {
    headers: admin,
  });
  assert.equal(activated.status, 200, JSON.stringify(activated.body));
  const key = await api(url, 'POST', '/api/v1/auth/api-keys', {
    headers: admin,
    body: { account: 'backup-agent', roles: ['agent'], delegate: true },
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const active = await api(url, 'GET', '/api/v1/constitution/active', { headers: admin });
  const scenarios = (
    active.body.document as { scenarioSuites: { scenarios: { request: unknown }[] }[] }
  ).scenarioSuites.flatMap((suite) => suite.scenarios);
  const decided: Decided[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await api(url, 'POST', '/api/v1/decisions', {
      headers: { 'x-api-key': String(key.body.key) },
      body: scenarios[i % scenarios.length]!.request,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    decided.push(answer.body as unknown as Decided);
  }
  return decided;
}

/** Every decision is in the restored log: its entry, at its position, names it. */
async function decisionsAt(dir: string, decided: readonly Decided[]): Promise<void> {
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  try {
    const store = createLogStore(database);
    for (const { decisionId, logReceipt } of decided) {
      const entry = await store.entry(logReceipt.index);
      assert.equal(
        entry && toHex(entry.leafHash),
        logReceipt.leafHash,
        `decision ${decisionId}'s entry restored`,
      );
      const payload = (JSON.parse(entry!.entry) as { payload: { decisions: string[][] } }).payload;
      assert.equal(payload.decisions[logReceipt.position]![0], decisionId);
    }
  } finally {
    await database.close();
  }
}

async function storedAt(dir: string, acks: readonly Ack[]): Promise<void> {
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  try {
    const store = createLogStore(database);
    for (const ack of acks) {
      const entry = await store.entry(ack.index);
      assert.equal(entry && toHex(entry.leafHash), ack.leafHash, `entry ${ack.index} restored`);
    }
  } finally {
    await database.close();
  }
}

describe('backup and DR drill, embedded', () => {
  test('online backup while appends continue, refusals, then the drill restores, verifies and reports RTO/RPO', async () => {
    const url = platform!.url;
    const admin = bearer((await loginAsAdmin(url)).accessToken);
    const decided = await decide(url, admin, 30);
    // Only services append to the log, each under its own identity (docs/security.md).
    const serviceKey = await api(url, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account: 'svc-pgc', roles: ['service'], rateLimitPerMinute: 1_000_000 },
    });
    assert.equal(serviceKey.status, 201, JSON.stringify(serviceKey.body));
    const pgc = { 'x-api-key': String(serviceKey.body.key) };
    const before: Ack[] = [];
    for (let n = 0; n < 40; n++) before.push(await append(url, pgc, n));

    // Appends keep arriving while the backup runs; the ones acknowledged before it started are in it.
    let running = true;
    const during = (async () => {
      const acks: Ack[] = [];
      for (let n = 1000; running; n++) acks.push(await append(url, pgc, n));
      return acks;
    })();
    const out = join(root, 'backups');
    const created = await runAcgsAsync(['backup', 'create', '--out', out, '--json']);
    running = false;
    const appendedMeanwhile = await during;
    assert.ok(appendedMeanwhile.length > 0, 'appends went on while the backup ran');
    assert.equal(created.code, 0, created.stderr);
    const { path, manifest } = JSON.parse(created.stdout) as {
      path: string;
      manifest: { log: { size: number; rootHash: string } };
    };
    assert.ok(manifest.log.size > Math.max(...before.map((a) => a.index)));

    const restored = join(root, 'restored-by-hand');
    const wrongKey = runAcgs(
      ['backup', 'restore', path, '--data-dir', restored, '--key-file', otherKeyFile],
      env,
    );
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /BACKUP_KEY_WRONG/);
    const bytes = readFileSync(path);
    bytes[bytes.length - 200]! ^= 0x80;
    writeFileSync(join(out, 'modified.acgsbak'), bytes);
    const modified = runAcgs(
      ['backup', 'restore', join(out, 'modified.acgsbak'), '--data-dir', restored],
      env,
    );
    assert.equal(modified.code, 1);
    assert.match(modified.stderr, /BACKUP_ARCHIVE_TAMPERED/);
    assert.deepEqual(readdirSync(restored), [], 'a refused restore leaves nothing behind');

    const good = runAcgs(['backup', 'restore', path, '--data-dir', restored], env);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, new RegExp(`root ${manifest.log.rootHash} matches the manifest`));
    await storedAt(restored, before);
    await decisionsAt(restored, decided);

    // The drill, on the stopped platform's data directory.
    const last = await append(url, pgc, 99);
    assert.equal((await platform!.terminate()).code, 0);
    platform = undefined;
    const drill = runAcgs(
      ['dr', 'drill', '--data-dir', dataDir, '--work-dir', join(root, 'drill'), '--destroy', '--json'],
      env,
    );
    assert.equal(drill.code, 0, drill.stderr);
    const report = JSON.parse(drill.stdout) as {
      entriesLost: number;
      rtoSeconds: number;
      rpoSeconds: number;
      verifiedSize: number;
      backupLogSize: number;
      restoredDataDir: string;
      sourceDestroyed: boolean;
    };
    assert.equal(report.entriesLost, 0, 'nothing was appended between the drill backup and the loss');
    assert.ok(report.verifiedSize >= report.backupLogSize && report.backupLogSize > last.index);
    assert.ok(report.rtoSeconds > 0 && report.rpoSeconds >= 0);
    assert.equal(report.sourceDestroyed, true);
    assert.deepEqual(readdirSync(dataDir), [], 'the drill destroyed the source');
    await storedAt(report.restoredDataDir, [...before, last]);
    await decisionsAt(report.restoredDataDir, decided);

    const text = runAcgs(
      ['dr', 'drill', '--data-dir', report.restoredDataDir, '--work-dir', join(root, 'drill2')],
      env,
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^RTO \d+\.\d\d s/m);
    assert.match(text.stdout, /^RPO \d+\.\d\d s and 0 entries/m);
  });
});
