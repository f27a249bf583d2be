/**
 * The log's HTTP API in embedded mode, through the kit's real guard and the Auth service's real
 * authenticator (`inject()` on the running platform): who may append and read, problem+json for bad
 * input, receipts, entries, checkpoints and proofs that verify against the signed note, the bus
 * intake, and `acgs log export` / `acgs log verify --key <public-key JSON>` on the result.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningPlatform, startPlatform } from '../../src/apps/platform.js';
import { loadConfig } from '../../src/kernel/config.js';
import { SERVICE_NAMES } from '../../src/kernel/services.js';
import { createLogger } from '../../src/kit/logger.js';
import {
  formatVerifierKey,
  fromHex,
  generateSignerKey,
  hashLeaf,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort, runAcgs } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-log-e2e-'));
Object.assign(process.env, { ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ACGS_LOG_CHECKPOINT_MS: '50' });
let platform: RunningPlatform;
const creds: Record<'admin' | 'service' | 'auditor' | 'agent', Record<string, string>> = {
  admin: {},
  service: {},
  auditor: {},
  agent: {},
};

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function call(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const response = await platform.app.inject({
    method,
    url,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return {
    status: response.statusCode,
    body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    headers: response.headers as Record<string, unknown>,
  } satisfies Reply;
}

before(async () => {
  const config = loadConfig(
    { mode: 'embedded' },
    { ACGS_DATA_DIR: dataDir, ACGS_PORT: String(await freePort()), LOG_LEVEL: 'silent' },
  );
  platform = await startPlatform(config, { logger: createLogger({ level: 'silent', base: {} }) });
  const admin = await loginAsAdmin(platform.url);
  creds.admin = bearer(admin.accessToken);
  for (const [account, role] of [
    ['svc-pgc', 'service'],
    ['audit-bot', 'auditor'],
    ['support-agent', 'agent'],
  ] as const) {
    const created = await call('POST', '/api/v1/auth/api-keys', creds.admin, { account, roles: [role] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    creds[role] = { 'x-api-key': String(created.body.key) };
  }
});

after(async () => {
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const APPEND = '/api/v1/log/entries';
const decision = (n: number) => ({
  type: 'policy.decision',
  source: 'pgc',
  payload: { decision: 'deny', n },
});

async function checkpointCovering(size: number) {
  for (let i = 0; i < 400; i++) {
    const reply = await call('GET', '/api/v1/log/checkpoint', creds.auditor);
    if (reply.status === 200 && (reply.body.size as number) >= size) return reply.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no checkpoint covers ${size}`);
}

describe('integrity over HTTP, embedded', () => {
  test('the public key is public; everything else needs credentials and the right role', async () => {
    const keys = await call('GET', '/api/v1/log/public-key');
    assert.equal(keys.status, 200);
    const [vkey] = keys.body.keys as string[];
    assert.equal(parseVerifierKey(vkey!).name, keys.body.origin);

    const anonymous = await call('POST', APPEND, {}, decision(0));
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['content-type']), /application\/problem\+json/);
    assert.equal((await call('GET', '/api/v1/log/checkpoint')).status, 401);
    assert.equal((await call('POST', APPEND, creds.agent, decision(0))).status, 403);
    assert.equal((await call('POST', APPEND, creds.auditor, decision(0))).status, 403);
    assert.equal((await call('GET', '/api/v1/log/entries?start=0', creds.agent)).status, 403);
    assert.equal((await call('GET', '/api/v1/log/entries?start=0', creds.auditor)).status, 200);
  });

  test('bad input is a 400 problem naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...decision(1), extra: true }, /extra/],
      [{ type: 'policy.decision', source: 'nowhere', payload: 1 }, /^\/body\/source/],
      [{ type: 'Not A Type', source: 'pgc', payload: 1 }, /^\/body\/type$/],
      [{ ...decision(1), time: '2026-02-30T00:00:00.000Z' }, /^\/body\/time$/],
      [{ ...decision(1), payload: { text: 'lone \ud800 surrogate' } }, /^\/body\/payload\/text$/],
    ];
    for (const [body, pointer] of cases) {
      const reply = await call('POST', APPEND, creds.service, body);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.match(String(reply.headers['content-type']), /application\/problem\+json/);
      const errors = reply.body.errors as { pointer: string }[];
      assert.ok(
        errors.some((e) => pointer.test(e.pointer) || pointer.test(JSON.stringify(e))),
        JSON.stringify(reply.body),
      );
    }
    const missing = await call('POST', APPEND, creds.service, { type: 'policy.decision', source: 'pgc' });
    assert.equal(missing.status, 400);
    assert.match(JSON.stringify(missing.body.errors), /payload/);
    const proofs = await call('GET', '/api/v1/log/proofs/inclusion?index=0&leafHash=00', creds.auditor);
    assert.equal(proofs.status, 400);
    assert.match(JSON.stringify(proofs.body.errors), /\/querystring\/leafHash/);
  });

  test('appends answer with durable receipts; a repeated key gets the first receipt', async () => {
    const first = await call('POST', APPEND, creds.service, { ...decision(2), key: 'decision-2' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await call('POST', APPEND, creds.service, { ...decision(2), key: 'decision-2' });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    const one = await call('GET', `/api/v1/log/entries/${first.body.index}`, creds.auditor);
    assert.equal(one.status, 200);
    assert.equal(toHex(hashLeaf(String(one.body.entry))), first.body.leafHash);
    assert.match(
      String(one.body.entry),
      /^\{"payload":\{"decision":"deny","n":2\},"source":"pgc","time":"[^"]+","type":"policy.decision","writer":"svc-pgc"\}$/,
    );
    assert.equal((await call('GET', '/api/v1/log/entries/999999', creds.auditor)).status, 404);
  });

  test('inclusion (by index and by leaf hash) and consistency proofs verify against the signed checkpoint', async () => {
    const receipts = await Promise.all(
      Array.from({ length: 40 }, (_, n) => call('POST', APPEND, creds.service, decision(100 + n))),
    );
    const last = Math.max(...receipts.map((r) => r.body.index as number));
    const checkpoint = await checkpointCovering(last + 1);
    const keys = (await call('GET', '/api/v1/log/public-key')).body.keys as string[];
    const opened = openCheckpoint(
      String(checkpoint.note),
      keys.map(parseVerifierKey),
      String(checkpoint.origin),
    );
    assert.equal(toHex(opened.root), checkpoint.rootHash);
    const size = opened.size;
    for (const receipt of receipts.slice(0, 5)) {
      for (const query of [`index=${receipt.body.index}`, `leafHash=${receipt.body.leafHash}`]) {
        const proof = await call('GET', `/api/v1/log/proofs/inclusion?${query}&size=${size}`, creds.auditor);
        assert.equal(proof.status, 200, JSON.stringify(proof.body));
        assert.equal(proof.body.index, receipt.body.index);
        assert.ok(
          verifyInclusion(
            receipt.body.index as number,
            size,
            fromHex(String(receipt.body.leafHash)),
            (proof.body.proof as string[]).map(fromHex),
            opened.root,
          ),
        );
      }
    }
    const consistency = await call('GET', `/api/v1/log/proofs/consistency?from=3&to=${size}`, creds.auditor);
    assert.equal(consistency.status, 200);
    assert.ok(
      verifyConsistency(
        3,
        size,
        (consistency.body.proof as string[]).map(fromHex),
        fromHex(String(consistency.body.fromRoot)),
        opened.root,
      ),
    );
    const beyond = await call(
      'GET',
      `/api/v1/log/proofs/inclusion?index=0&size=${size + 100_000}`,
      creds.auditor,
    );
    assert.equal(beyond.status, 400);
    assert.equal(beyond.body.code, 'LOG_SIZE_UNAVAILABLE');
    const page = await call('GET', `/api/v1/log/entries?start=0&end=${size}`, creds.auditor);
    assert.equal((page.body.entries as unknown[]).length, Math.min(size, 1000));
  });

  test('the bus intake logged every service’s start-up event', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100 && seen.size < SERVICE_NAMES.length; i++) {
      const page = await call('GET', '/api/v1/log/entries?start=0', creds.auditor);
      for (const e of page.body.entries as { entry: string }[]) {
        const entry = JSON.parse(e.entry) as { type: string; source: string };
        if (entry.type === 'service.started') seen.add(entry.source);
      }
      if (seen.size < SERVICE_NAMES.length) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...seen].sort(), [...SERVICE_NAMES].sort());
  });

  test('a log entry says who wrote it: forged sources, back-dated times and admins are refused (security issue, done-when 3)', async () => {
    const forged = await call('POST', APPEND, creds.service, {
      type: 'auth.login.succeeded',
      source: 'auth',
      payload: { username: 'admin' },
    });
    assert.equal(forged.status, 403, JSON.stringify(forged.body));
    assert.equal(forged.body.code, 'LOG_SOURCE_MISMATCH');
    assert.equal((forged.body.errors as { pointer: string }[])[0]!.pointer, '/body/source');
    const backDated = await call('POST', APPEND, creds.service, {
      ...decision(3),
      time: '2020-01-01T00:00:00.000Z',
    });
    assert.equal(backDated.status, 400, JSON.stringify(backDated.body));
    assert.equal(backDated.body.code, 'LOG_TIME_OUT_OF_RANGE');
    assert.equal((backDated.body.errors as { pointer: string }[])[0]!.pointer, '/body/time');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await call('POST', APPEND, creds.service, { ...decision(3), time: future })).status, 400);
    // Admins operate the platform; they do not write its log.
    assert.equal((await call('POST', APPEND, creds.admin, decision(3))).status, 403);
    // A time close to the log's clock is kept; the writer is the caller's identity.
    const near = new Date(Date.now() - 1000).toISOString();
    const kept = await call('POST', APPEND, creds.service, { ...decision(4), time: near });
    assert.equal(kept.status, 201, JSON.stringify(kept.body));
    const entry = await call('GET', `/api/v1/log/entries/${kept.body.index}`, creds.auditor);
    const parsed = JSON.parse(String(entry.body.entry)) as Record<string, unknown>;
    assert.equal(parsed.time, near);
    assert.equal(parsed.writer, 'svc-pgc');
  });

  /** The index of the entry nested at the limit, which the export test below looks for. */
  let deepIndex = 0;
  test('payloads nested beyond 64 levels are refused with 400 (the audit sent 2,000 to 8,000); 64 is kept', async () => {
    // As text: JSON.stringify itself overflows on the deepest of these.
    const nest = (depth: number) => {
      let text = '"leaf"';
      for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `[${text}]` : `{"x":${text}}`;
      return `{"type":"policy.decision","source":"pgc","payload":${text}}`;
    };
    for (const depth of [65, 2000, 8000, 100_000]) {
      const reply = await call('POST', APPEND, creds.service, nest(depth));
      assert.equal(reply.status, 400, `depth ${depth}: ${JSON.stringify(reply.body).slice(0, 300)}`);
      assert.equal(reply.body.code, 'LOG_ENTRY_TOO_DEEP');
    }
    const atLimit = await call('POST', APPEND, creds.service, nest(64));
    assert.equal(atLimit.status, 201, JSON.stringify(atLimit.body));
    deepIndex = atLimit.body.index as number;
  });

  test('acgs log export and acgs log verify --key <the public-key JSON> agree with the service', async () => {
    // The export ends at the latest signed checkpoint: wait for one that covers the deep entry.
    const checkpoint = await checkpointCovering(deepIndex + 1);
    const keyFile = join(dataDir, 'public-key.json');
    writeFileSync(keyFile, JSON.stringify((await call('GET', '/api/v1/log/public-key')).body));
    const file = join(dataDir, 'export.ndjson');
    const env = { ACGS_DATA_DIR: dataDir, DATABASE_URL: '' };
    const exported = runAcgs(['log', 'export', file], env);
    assert.equal(exported.code, 0, exported.stderr);
    // The export holds the entry nested at the limit (64 levels) from the test above.
    assert.match(readFileSync(file, 'utf8'), /(\[|\{\\"x\\":){64}\\"leaf\\"/);
    const verified = runAcgs(['log', 'verify', file, '--key', keyFile, '--json'], env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const report = JSON.parse(verified.stdout) as { ok: boolean; verifiedSize: number; verifiedRoot: string };
    assert.ok(report.ok);
    assert.ok(report.verifiedSize >= (checkpoint.size as number));
    // A key the log never used (same name, other key): no checkpoint verifies.
    const stranger = formatVerifierKey(generateSignerKey(String(checkpoint.origin)));
    const wrongKey = runAcgs(['log', 'verify', file, '--key', stranger], env);
    assert.equal(wrongKey.code, 1, wrongKey.stdout + wrongKey.stderr);
    assert.match(wrongKey.stdout, /signature-missing/);
  });
});
