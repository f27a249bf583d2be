/**
 * Policy Governance Compiler, embedded (`acgs up`): done-when 1 (every scenario of the example
 * constitution decided as expected through the HTTP API, each decision provably in the signed
 * log), 2 (hot swap under load) and 4 (bad input: right problem+json, nothing logged).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ConstitutionVersion } from '../../src/kernel/contracts/constitution.js';
import {
  fromHex,
  hashLeaf,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { loadPolicies } from '../../src/policy/index.js';
import { verifyBundleSignature } from '../../src/services/policy-governance/bundle-signer.js';
import { requestDigest } from '../../src/services/policy-governance/request-digest.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';

const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'acgs-pgc-e2e-'));

let platform: PlatformProcess;
let url: string;
let admin: Record<string, string>;
let agent: Record<string, string>;
let auditor: Record<string, string>;
let constitution: ConstitutionVersion;
let examplePolicies: unknown[];

/** A key for `account`; `delegate`: it may decide for any principal (the scenarios name several). */
async function apiKey(account: string, roles: string[], delegate = false) {
  const created = await api(url, 'POST', '/api/v1/auth/api-keys', {
    headers: admin,
    body: { account, roles, rateLimitPerMinute: 1_000_000, ...(delegate ? { delegate } : {}) },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { 'x-api-key': String(created.body.key) };
}

async function logEntries(): Promise<{ index: number; entry: string; leafHash: string }[]> {
  const all: { index: number; entry: string; leafHash: string }[] = [];
  for (let start = 0; ; start += 1000) {
    const page = await api(url, 'GET', `/api/v1/log/entries?start=${start}&end=${start + 1000}`, {
      headers: auditor,
    });
    const entries = (page.body.entries ?? []) as { index: number; entry: string; leafHash: string }[];
    all.push(...entries);
    if (page.status !== 200 || entries.length < 1000) return all;
  }
}

/** How many decisions the log holds (entries of type policy.decision hold one or more). */
async function loggedDecisions(): Promise<number> {
  let n = 0;
  for (const e of await logEntries()) {
    const parsed = JSON.parse(e.entry) as { type: string; payload: { decisions?: unknown[] } };
    if (parsed.type === 'policy.decision') n += parsed.payload.decisions?.length ?? 0;
  }
  return n;
}

async function checkpointCovering(size: number) {
  for (let i = 0; i < 200; i++) {
    const reply = await api(url, 'GET', '/api/v1/log/checkpoint', { headers: auditor });
    if (reply.status === 200 && (reply.body.size as number) >= size) return reply.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no checkpoint covers ${size}`);
}

function scenarios() {
  return constitution.document.scenarioSuites.flatMap((suite) =>
    suite.scenarios.map((s) => ({ ...s, suite: suite.id })),
  );
}

before(async () => {
  const port = await freePort();
  platform = await startAcgs(['up'], {
    ACGS_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    LOG_LEVEL: 'warn',
    ACGS_PORT: String(port),
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ACGS_LOG_CHECKPOINT_MS: '100',
    // This suite activates bundles itself, starting from none.
    ACGS_POLICY_DIR: 'none',
  });
  url = platform.url;
  admin = bearer((await loginAsAdmin(url)).accessToken);
  agent = await apiKey('pgc-e2e-agent', ['agent'], true);
  auditor = await apiKey('pgc-e2e-auditor', ['auditor']);
  const active = await api(url, 'GET', '/api/v1/constitution/active', { headers: admin });
  assert.equal(active.status, 200, JSON.stringify(active.body));
  constitution = active.body as unknown as ConstitutionVersion;
  const loaded = await loadPolicies(POLICY_DIR);
  assert.deepEqual(loaded.diagnostics, []);
  examplePolicies = loaded.policies.map((p) => p.policy);
});

after(async () => {
  const exit = await platform?.terminate();
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(exit?.code, 0, platform?.stderr());
});

describe('pgc embedded', () => {
  test('before any activation the decision API answers 503 PGC_NO_ACTIVE_BUNDLE', async () => {
    const scenario = scenarios()[0]!;
    const response = await api(url, 'POST', '/api/v1/decisions', { headers: agent, body: scenario.request });
    assert.equal(response.status, 503);
    assert.equal(response.body.code, 'PGC_NO_ACTIVE_BUNDLE');
  });

  test('done-when 1: bundle the example policies, activate, every scenario decided as expected and provably logged', async () => {
    const created = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: examplePolicies },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const bundleId = String(created.body.id);
    assert.match(bundleId, /^[0-9a-f]{64}$/);
    assert.equal(created.body.constitutionHash, constitution.hash);
    // Same content, same bundle.
    const again = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: [...examplePolicies].reverse() },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, bundleId);
    // Anyone with the public key can check the signature.
    const key = await api(url, 'GET', '/api/v1/policies/bundles/public-key');
    assert.equal(key.status, 200);
    assert.ok(verifyBundleSignature(bundleId, String(created.body.signature), String(key.body.publicKey)));
    assert.ok(
      !verifyBundleSignature('0'.repeat(64), String(created.body.signature), String(key.body.publicKey)),
    );

    const activated = await api(url, 'POST', `/api/v1/policies/bundles/${bundleId}/activate`, {
      headers: admin,
    });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    assert.equal(activated.body.bundleId, bundleId);

    const all = scenarios();
    assert.ok(all.length >= 20, `the example has ${all.length} scenarios`);
    const answers = await Promise.all(
      all.map((s) => api(url, 'POST', '/api/v1/decisions', { headers: agent, body: s.request })),
    );
    let last = 0;
    for (const [i, s] of all.entries()) {
      const a = answers[i]!;
      assert.equal(a.status, 200, `${s.suite}/${s.id}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.decision, s.expected, `${s.suite}/${s.id}`);
      assert.equal(a.body.bundleId, bundleId);
      assert.equal(a.body.constitutionalHash, constitution.hash);
      assert.match(String(a.body.decisionId), /^[0-9a-f-]{36}$/);
      assert.equal(typeof a.body.evaluationTimeMs, 'number');
      const receipt = a.body.logReceipt as { leafHash: string; index: number; mode: string };
      assert.equal(receipt.mode, 'sync');
      assert.equal(typeof receipt.index, 'number');
      last = Math.max(last, receipt.index);
      if (a.body.decision !== 'deny' || (a.body.matchedPolicies as unknown[]).length > 0) {
        for (const m of a.body.matchedPolicies as { principles: string[] }[])
          assert.ok(Array.isArray(m.principles));
      }
    }
    const checkpoint = await checkpointCovering(last + 1);
    const keys = (await api(url, 'GET', '/api/v1/log/public-key')).body.keys as string[];
    const opened = openCheckpoint(
      String(checkpoint.note),
      keys.map(parseVerifierKey),
      String(checkpoint.origin),
    );
    const entries = await logEntries();
    for (const [i, s] of all.entries()) {
      const receipt = answers[i]!.body.logReceipt as { leafHash: string; index: number };
      const proof = await api(
        url,
        'GET',
        `/api/v1/log/proofs/inclusion?index=${receipt.index}&size=${opened.size}`,
        {
          headers: auditor,
        },
      );
      assert.equal(proof.status, 200, JSON.stringify(proof.body));
      assert.ok(
        verifyInclusion(
          receipt.index,
          opened.size,
          fromHex(receipt.leafHash),
          (proof.body.proof as string[]).map(fromHex),
          opened.root,
        ),
        `${s.suite}/${s.id}: inclusion proof`,
      );
      // The leaf is the decision: its entry text hashes to the receipt and names the decision.
      const entry = entries[receipt.index]!;
      assert.equal(toHex(hashLeaf(entry.entry)), receipt.leafHash);
      const parsed = JSON.parse(entry.entry) as {
        type: string;
        payload: { bundleId: string; constitutionHash: string; fields: string[]; decisions: unknown[][] };
      };
      assert.equal(parsed.type, 'policy.decision');
      const position = (answers[i]!.body.logReceipt as { position: number }).position;
      const tuple = parsed.payload.decisions[position]!;
      const record = Object.fromEntries(parsed.payload.fields.map((f, k) => [f, tuple[k]]));
      assert.equal(record.decisionId, answers[i]!.body.decisionId);
      assert.equal(record.decision, s.expected);
      assert.equal(
        record.requestDigest,
        requestDigest(s.request),
        'the digest of the request that was decided',
      );
      assert.deepEqual(
        record.matched,
        (answers[i]!.body.matchedPolicies as { policyId: string; version: number; error?: string }[]).map(
          (m) => `${m.policyId}@${m.version}${m.error === undefined ? '' : '!'}`,
        ),
      );
      assert.ok(
        !entry.entry.includes('ana@northwind.example'),
        'the request itself (personal data) is not logged',
      );
      assert.equal(parsed.payload.bundleId, bundleId);
      assert.equal(parsed.payload.constitutionHash, constitution.hash);
    }

    // explain, batch and async mode.
    const explained = await api(url, 'POST', '/api/v1/decisions?explain=true', {
      headers: agent,
      body: all[0]!.request,
    });
    assert.equal(explained.status, 200);
    assert.ok((explained.body.explanation as unknown[]).length === examplePolicies.length);
    const batch = await api(url, 'POST', '/api/v1/decisions/batch', {
      headers: agent,
      body: { requests: all.map((s) => s.request) },
    });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(
      (batch.body.decisions as { decision: string }[]).map((d) => d.decision),
      all.map((s) => s.expected),
    );
    const async = await api(url, 'POST', '/api/v1/decisions?mode=async', {
      headers: agent,
      body: all[0]!.request,
    });
    assert.equal(async.status, 200);
    const asyncReceipt = async.body.logReceipt as { leafHash: string; index: number | null };
    assert.equal(asyncReceipt.index, null);
    let found: { index: number } | undefined;
    for (let i = 0; i < 100 && found === undefined; i++) {
      const byHash = await api(url, 'GET', `/api/v1/log/proofs/inclusion?leafHash=${asyncReceipt.leafHash}`, {
        headers: auditor,
      });
      if (byHash.status === 200) found = byHash.body as { index: number };
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      found !== undefined,
      'the asynchronously logged decision reached the log with the announced leaf hash',
    );

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /acgs_decisions_total\{decision="allow"\} [1-9]/);
    assert.match(metrics, /acgs_decision_duration_seconds_count [1-9]/);
    assert.match(
      metrics,
      new RegExp(
        `acgs_active_bundle_info\\{bundle_id="${bundleId}",constitution_hash="${constitution.hash}"\\} 1`,
      ),
    );
  });

  test('done-when 4: bad input gets the right problem+json and is never logged as a decision', async () => {
    const before = await loggedDecisions();
    const good = scenarios()[0]!.request as Record<string, Record<string, unknown>>;
    const cases: {
      name: string;
      status: number;
      code: string;
      pointer?: RegExp;
      send: () => ReturnType<typeof api>;
    }[] = [
      {
        name: 'unknown attribute',
        status: 400,
        code: 'POLICY_REQUEST_INVALID',
        pointer: /^\/body\/action\/priority$/,
        send: () =>
          api(url, 'POST', '/api/v1/decisions', {
            headers: agent,
            body: { ...good, action: { ...good.action, priority: 3 } },
          }),
      },
      {
        name: 'wrong type',
        status: 400,
        code: 'POLICY_REQUEST_INVALID',
        pointer: /^\/body\/principal\/roles$/,
        send: () =>
          api(url, 'POST', '/api/v1/decisions', {
            headers: agent,
            body: { ...good, principal: { ...good.principal, roles: 'support-agent' } },
          }),
      },
      {
        name: 'wrong type inside a batch',
        status: 400,
        code: 'POLICY_REQUEST_INVALID',
        pointer: /^\/body\/requests\/1\/context\/contains_pii$/,
        send: () =>
          api(url, 'POST', '/api/v1/decisions/batch', {
            headers: agent,
            body: { requests: [good, { ...good, context: { contains_pii: 'no' } }] },
          }),
      },
      {
        name: 'batch over the limit',
        status: 413,
        code: 'PGC_BATCH_TOO_LARGE',
        pointer: /^\/body\/requests$/,
        send: () =>
          api(url, 'POST', '/api/v1/decisions/batch', {
            headers: agent,
            body: { requests: Array(1001).fill(good) },
          }),
      },
      {
        name: 'missing token',
        status: 401,
        code: 'AUTH_REQUIRED',
        send: () => api(url, 'POST', '/api/v1/decisions', { body: good }),
      },
      {
        name: 'wrong token',
        status: 401,
        code: 'AUTH_TOKEN_INVALID',
        send: () =>
          api(url, 'POST', '/api/v1/decisions', {
            headers: { authorization: 'Bearer not.a.token' },
            body: good,
          }),
      },
      {
        name: 'a role that may not decide',
        status: 403,
        code: 'AUTH_FORBIDDEN',
        send: () => api(url, 'POST', '/api/v1/decisions', { headers: auditor, body: good }),
      },
      {
        name: 'stale constitutional hash',
        status: 409,
        code: 'CONSTITUTION_HASH_MISMATCH',
        send: () =>
          api(url, 'POST', '/api/v1/decisions', {
            headers: { ...agent, 'x-constitutional-hash': '0123456789abcdef' },
            body: good,
          }),
      },
    ];
    for (const c of cases) {
      const response = await c.send();
      assert.equal(response.status, c.status, `${c.name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8', c.name);
      assert.equal(response.body.code, c.code, c.name);
      if (c.pointer !== undefined) {
        const pointers = (response.body.errors as { pointer: string }[]).map((e) => e.pointer);
        assert.ok(
          pointers.some((p) => c.pointer!.test(p)),
          `${c.name}: ${pointers.join(', ')}`,
        );
      }
    }
    // A good request after them is logged: the count moves by exactly one.
    const ok = await api(url, 'POST', '/api/v1/decisions', { headers: agent, body: good });
    assert.equal(ok.status, 200);
    const afterAll = await loggedDecisions();
    assert.equal(afterAll, before + 1);
  });

  test('policy drafts: create, update, list, validate, with the field and the position inside the condition', async () => {
    const policy = {
      id: 'e2e.refund-tiny',
      description: 'Tiny refunds',
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition: 'action.amount < 1.0',
      effect: 'allow',
    };
    const created = await api(url, 'POST', '/api/v1/policies', { headers: admin, body: policy });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.revision, 1);
    const bad = await api(url, 'PUT', `/api/v1/policies/${policy.id}`, {
      headers: admin,
      body: { ...policy, condition: 'action.amount < 1.0 && action.amout > 0.0' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'PGC_POLICY_INVALID');
    const error = (bad.body.errors as { pointer: string; location?: { line: number; column: number } }[])[0]!;
    assert.equal(error.pointer, '/body/condition');
    // Line and column inside the condition: the member access `.amout` (column 30) is what fails.
    assert.deepEqual(error.location, { line: 1, column: 30 });
    const updated = await api(url, 'PUT', `/api/v1/policies/${policy.id}`, {
      headers: { ...admin, 'if-match': '1' },
      body: { ...policy, condition: 'action.amount < 2.0' },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.revision, 2);
    const stale = await api(url, 'PUT', `/api/v1/policies/${policy.id}`, {
      headers: { ...admin, 'if-match': '1' },
      body: policy,
    });
    assert.equal(stale.status, 409);
    const listed = await api(url, 'GET', '/api/v1/policies', { headers: admin });
    assert.deepEqual(
      (listed.body.policies as { id: string }[]).map((p) => p.id),
      [policy.id],
    );
    const validated = await api(url, 'POST', '/api/v1/policies/validate', {
      headers: admin,
      body: { policies: [policy, { ...policy, id: 'x', condition: 'action.amount + 1' }] },
    });
    assert.equal(validated.status, 200);
    assert.equal(validated.body.ok, false);
    assert.match(
      (validated.body.errors as { pointer: string }[])[0]!.pointer,
      /^\/body\/policies\/1\/condition$/,
    );
    assert.equal((await api(url, 'GET', '/api/v1/policies', { headers: agent })).status, 403);
  });

  test('done-when 2: 20 activations while a load runs: no request fails, each decision names the bundle that made it', async () => {
    // Bundle B adds one policy that allows a request bundle A denies, so every answer shows which
    // bundle decided it.
    const tiny = {
      id: 'swap.tiny-refunds',
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition: "'tiny-refunder' in principal.roles && action.amount < 0.5",
      effect: 'allow',
    };
    const a = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: examplePolicies },
    });
    const b = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: [...examplePolicies, tiny] },
    });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const expected = new Map([
      [String(a.body.id), 'deny'],
      [String(b.body.id), 'allow'],
    ]);
    const probe = {
      principal: { id: 'agent-tiny', type: 'agent', roles: ['tiny-refunder'] },
      action: { type: 'issue_refund', amount: 0.25 },
      resource: { type: 'order' },
    };
    let stop = false;
    const failures: string[] = [];
    const seen = new Map<string, number>();
    let total = 0;
    const worker = async () => {
      while (!stop) {
        const response = await api(url, 'POST', '/api/v1/decisions', { headers: agent, body: probe });
        total++;
        if (response.status !== 200) {
          failures.push(`${response.status} ${JSON.stringify(response.body)}`);
          continue;
        }
        const bundle = String(response.body.bundleId);
        seen.set(bundle, (seen.get(bundle) ?? 0) + 1);
        if (expected.get(bundle) !== response.body.decision)
          failures.push(`bundle ${bundle.slice(0, 8)} answered ${response.body.decision}`);
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    // At least 20 swaps, and on until the workers made 100 decisions among them (however slow the
    // machine is); the bound on swaps only stops a hang.
    for (let i = 0; (i < 20 || total <= 100) && i < 2000; i++) {
      const id = i % 2 === 0 ? String(b.body.id) : String(a.body.id);
      const activated = await api(url, 'POST', `/api/v1/policies/bundles/${id}/activate`, { headers: admin });
      assert.equal(activated.status, 200, JSON.stringify(activated.body));
      // Right after an activation returns, new decisions are made by the new bundle.
      const next = await api(url, 'POST', '/api/v1/decisions', { headers: agent, body: probe });
      assert.equal(next.body.bundleId, id);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(total > 100, `only ${total} decisions during the swaps`);
    assert.equal(seen.size, 2, 'both bundles decided some requests');
    // Leave bundle A active (the example set) for the tests after this one.
    await api(url, 'POST', `/api/v1/policies/bundles/${a.body.id}/activate`, { headers: admin });
  });

  test('the new CEL functions decide through the running platform: egress by URL host, an IP range, a window in a time zone', async () => {
    const network = {
      id: 'cel.egress-range-window',
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition:
        "'egress-agent' in principal.roles && url(resource.id).getHostname() in ['api.partner.example'] && " +
        "cidr('10.0.0.0/8').containsIP(ip(resource.tags['source_ip'])) && " +
        "context.time - timestamp('2024-01-01T00:00:00Z') > duration('1h') && " +
        "context.time.getDayOfWeek('Europe/Paris') in [1, 2, 3, 4, 5] && context.time.getHours('Europe/Paris') >= 9 && " +
        "context.time.getHours('Europe/Paris') < 18 && resource.tags.`source_ip` != ''",
      effect: 'allow',
    };
    const before = await api(url, 'GET', '/api/v1/policies/bundles/active', { headers: admin });
    const created = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: [...examplePolicies, network] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const activated = await api(url, 'POST', `/api/v1/policies/bundles/${created.body.id}/activate`, {
      headers: admin,
    });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    const request = (id: string, sourceIp: string, time: string) => ({
      principal: { id: 'agent-egress', type: 'agent', roles: ['egress-agent'] },
      action: { type: 'issue_refund', amount: 0.25 },
      resource: { type: 'order', id, tags: { source_ip: sourceIp } },
      context: { time },
    });
    const decide = async (body: unknown) => {
      const response = await api(url, 'POST', '/api/v1/decisions', { headers: agent, body });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.decision;
    };
    // Monday 2024-06-03 10:30 in Paris (08:30 UTC).
    assert.equal(
      await decide(request('https://api.partner.example/v1', '10.1.2.3', '2024-06-03T08:30:00Z')),
      'allow',
    );
    assert.equal(
      await decide(request('https://evil.example/v1', '10.1.2.3', '2024-06-03T08:30:00Z')),
      'deny',
    );
    assert.equal(
      await decide(request('https://api.partner.example/v1', '192.168.1.1', '2024-06-03T08:30:00Z')),
      'deny',
    );
    // 18:30 in Paris is after hours.
    assert.equal(
      await decide(request('https://api.partner.example/v1', '10.1.2.3', '2024-06-03T16:30:00Z')),
      'deny',
    );
    // An invalid address is an evaluation error: the policy fails closed.
    assert.equal(
      await decide(request('https://api.partner.example/v1', '10.1.2', '2024-06-03T08:30:00Z')),
      'deny',
    );
    if (before.status === 200 && before.body.bundleId) {
      await api(url, 'POST', `/api/v1/policies/bundles/${before.body.bundleId}/activate`, { headers: admin });
    }
  });

  test('acgs loadtest: a tiny baseline and spike complete with no errors, a summary and a JSON report', () => {
    // The baseline closed-loop (each user sends again as soon as answered), the spike paced
    // (the default: one request a second per user, users starting spread over a second).
    for (const [scenario, users, rate, least] of [
      ['baseline', '20', '0', 50],
      ['spike', '30', '1', 20],
    ] as const) {
      const report = join(dataDir, `loadtest-${scenario}.json`);
      const run = runAcgs(
        [
          'loadtest',
          '--scenario',
          scenario,
          '--users',
          users,
          '--duration',
          '3s',
          '--rate',
          rate,
          '--target',
          url,
          '--report',
          report,
        ],
        { ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ACGS_API_KEY: '' },
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /requests\/s +\d/);
      assert.match(run.stdout, /latency +p50 [\d.]+ ms +p95 [\d.]+ ms +p99 [\d.]+ ms/);
      assert.match(run.stderr, new RegExp(`\\[${scenario}/`), 'a live progress line');
      // The banner names the users that run, not the preset's.
      assert.match(
        run.stderr,
        new RegExp(`scaled from the preset's \\d+ users\\) .*${users} users for \\d+ s`),
      );
      assert.doesNotMatch(run.stderr, /1,000 concurrent users/);
      const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
        phases: { users: number }[];
        total: { requests: number; errors: number };
        unexpectedDecisions: number;
      };
      assert.equal(parsed.total.errors, 0);
      assert.ok(parsed.total.requests > least, `${parsed.total.requests} requests`);
      assert.equal(parsed.unexpectedDecisions, 0, 'every answer had the scenario’s expected decision');
      assert.deepEqual(
        parsed.phases.map((p) => p.users),
        scenario === 'spike' ? [1, 30] : [20],
      );
    }
  });

  test('acgs loadtest: bad usage and missing credentials exit 2, naming what is wrong', () => {
    const env = { ACGS_ADMIN_PASSWORD: '', ACGS_API_KEY: '' };
    const scenario = runAcgs(['loadtest', '--scenario', 'tsunami', '--target', url], env);
    assert.equal(scenario.code, 2);
    assert.match(scenario.stderr, /baseline, peak, stress, spike, endurance/);
    const duration = runAcgs(['loadtest', '--scenario', 'peak', '--duration', 'soon', '--target', url], env);
    assert.equal(duration.code, 2);
    assert.match(duration.stderr, /expected a duration such as 30s/);
    const noKey = runAcgs(
      ['loadtest', '--scenario', 'peak', '--users', '1', '--duration', '1s', '--target', url],
      env,
    );
    assert.equal(noKey.code, 2, 'missing credentials are bad usage, as the docs say');
    assert.match(noKey.stderr, /--api-key .*ACGS_ADMIN_PASSWORD/);
  });

  test('acgs bundle: create from a directory and activate, list, active, rotate-key; each problem named with its exit code', async () => {
    const env = { ACGS_TOKEN: admin.authorization!.slice('Bearer '.length), ACGS_URL: url };
    const created = runAcgs(['bundle', 'create', POLICY_DIR, '--activate'], env);
    assert.equal(created.code, 0, created.stderr);
    const id = /bundle ([0-9a-f]{64})/.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.match(created.stdout, new RegExp(`activated bundle ${id}  generation \\d+`));
    const active = runAcgs(['bundle', 'active'], env);
    assert.equal(active.code, 0, active.stderr);
    assert.ok(active.stdout.startsWith(id), active.stdout);
    const listed = runAcgs(['bundle', 'list', '--limit', '50'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}  .*  \\(active\\)$`, 'm'), 'the active bundle is marked');
    assert.equal(listed.stdout.match(/\(active\)/g)?.length, 1, 'and only it');

    // Rotation: the new key is published beside the old one, and the bundle the old key signed
    // still activates.
    const rotated = runAcgs(['bundle', 'rotate-key'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newKeyId = /signing key ([0-9a-f]{16}) /.exec(rotated.stdout)?.[1];
    assert.ok(newKeyId, rotated.stdout);
    const published = await api(url, 'GET', '/api/v1/policies/bundles/public-key', {});
    assert.equal(published.body.keyId, newKeyId);
    assert.ok((published.body.keys as { keyId: string }[]).length >= 2);
    const again = runAcgs(['bundle', 'activate', id], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(runAcgs(['bundle', 'rotate-key'], { ...env, ACGS_TOKEN: '' }).code, 2);

    const noToken = runAcgs(['bundle', 'list'], { ...env, ACGS_TOKEN: '' });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /needs the bearer token of a policy author or admin/);
    const notDir = runAcgs(['bundle', 'create', join(dataDir, 'no-such-dir')], env);
    assert.equal(notDir.code, 2);
    assert.match(notDir.stderr, /is not a directory/);
    const unparsable = runAcgs(
      [
        'bundle',
        'create',
        fileURLToPath(new URL('../../../examples/standalone/policies-broken', import.meta.url)),
      ],
      env,
    );
    assert.equal(unparsable.code, 1);
    assert.match(unparsable.stderr, /not-yaml\.yaml:\d+:\d+: /);
    assert.match(unparsable.stderr, /nothing was sent/);
    const unknown = runAcgs(['bundle', 'activate', '0'.repeat(64)], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 PGC_BUNDLE_NOT_FOUND/);
    assert.equal(runAcgs(['bundle', 'activate', 'abc'], env).code, 2);

    // A policy the constitution's vocabulary refuses: the platform's error points at its file.
    const dir = join(dataDir, 'off-vocabulary');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'odd.yaml'),
      'policies:\n  - id: odd.unknown-attribute\n    principles: [customer-care]\n    target: { actions: [issue_refund] }\n    condition: context.no_such_attribute == 1\n    effect: deny\n',
    );
    const refused = runAcgs(['bundle', 'create', dir], env);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /odd\.yaml:2:\d+: policy odd\.unknown-attribute/);
  });

  test('activation refuses a bundle that fails a scenario, naming it', async () => {
    const weakened = examplePolicies.filter((p) => (p as { effect: string }).effect !== 'deny');
    const created = await api(url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: weakened },
    });
    assert.equal(created.status, 201);
    const refused = await api(url, 'POST', `/api/v1/policies/bundles/${created.body.id}/activate`, {
      headers: admin,
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'PGC_ACTIVATION_REFUSED');
    assert.match((refused.body.errors as { pointer: string }[])[0]!.pointer, /^\/gates\/scenarios\//);
  });
});
