/**
 * Policy Governance Compiler, done-when 3: auth, integrity, constitution and two PGC replicas as
 * separate processes (`acgs serve <service>`) on one PostgreSQL database, Redis and NATS. An
 * activation through one replica reaches the other within a second (its own broadcast
 * subscription); decisions from both replicas land in the one log and verify against a signed
 * checkpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromHex, openCheckpoint, parseVerifierKey, verifyInclusion } from '../../src/merkle/index.js';
import { loadPolicies } from '../../src/policy/index.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { EXAMPLE_FILE } from '../support/constitution-fixture.js';
import { removeRunState, runEnvironment } from '../support/distributed-run.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs, waitFor } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));
const { postgres, redis, nats, skip } = await distributedServices();

describe('pgc, distributed: two replicas beside auth, integrity and ac on PostgreSQL, Redis and NATS', {
  skip,
}, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('pgce2e');
  const env: Record<string, string> = {};
  const processes = new Map<string, PlatformProcess>();
  let replicas: PlatformProcess[] = [];

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'pgc');
    Object.assign(env, {
      ...runEnvironment(run, { database: database.url, redis: redis.url, nats: nats.url }),
      LOG_LEVEL: 'warn',
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_CONSTITUTION_FILE: EXAMPLE_FILE,
      ACGS_LOG_CHECKPOINT_MS: '200',
    });
    for (const name of ['auth', 'ac', 'integrity', 'fv', 'ec'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const migrated = runAcgs(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /pgc: applied 0001_/);
    const key = runAcgs(
      ['apikey', 'create', '--account', 'svc-pgc', '--role', 'service', '--rate', '1000000'],
      env,
    );
    assert.equal(key.code, 0, key.stderr);
    env.ACGS_SERVICE_API_KEY = key.stdout.trim();
    // The formal verifier logs its reports under its own identity (a service writes its own source).
    const fvKey = runAcgs(['apikey', 'create', '--account', 'svc-fv', '--role', 'service'], env);
    assert.equal(fvKey.code, 0, fvKey.stderr);
    await Promise.all(
      ['auth', 'ac', 'integrity', 'fv', 'ec'].map(async (name) => {
        const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
        const own = name === 'fv' ? { ACGS_SERVICE_API_KEY: fvKey.stdout.trim() } : {};
        processes.set(name, await startAcgs(['serve', name], { ...env, ...own, ACGS_PORT: port }));
      }),
    );
    env.ACGS_PGC_URL = `http://127.0.0.1:${await freePort()}`;
    replicas = await Promise.all([
      startAcgs(['serve', 'pgc'], { ...env, ACGS_PORT: new URL(env.ACGS_PGC_URL).port }),
      freePort().then((port) => startAcgs(['serve', 'pgc'], { ...env, ACGS_PORT: String(port) })),
    ]);
  });

  after(async () => {
    const all = [...replicas, ...processes.values()].filter((p) => p.child.exitCode === null);
    await Promise.all(all.map((p) => p.terminate()));
    await database?.drop();
    await removeRunState(run, redis.url, nats.url);
  });

  test('an activation through one replica reaches the other within 1 s; decisions from both land in one log', async () => {
    const [a, b] = replicas as [PlatformProcess, PlatformProcess];
    const auth = processes.get('auth')!.url;
    const admin = bearer((await loginAsAdmin(auth)).accessToken);
    const created = await api(auth, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account: 'dist-agent', roles: ['agent'], rateLimitPerMinute: 100_000, delegate: true },
    });
    const agent = { 'x-api-key': String(created.body.key) };
    const auditorKey = await api(auth, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account: 'dist-auditor', roles: ['auditor'] },
    });
    const auditor = { 'x-api-key': String(auditorKey.body.key) };
    // Both replicas know the bootstrapped constitution.
    const constitution = await api(processes.get('ac')!.url, 'GET', '/api/v1/constitution/active', {
      headers: admin,
    });
    assert.equal(constitution.status, 200, JSON.stringify(constitution.body));
    const short = String(constitution.body.short);
    for (const replica of replicas)
      await waitFor(
        `${replica.url}/health/live`,
        (r) => r.headers.get('x-constitutional-hash') === short,
        15_000,
      );

    const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
    const extra = {
      id: 'dist.tiny-refunds',
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition: "'tiny-refunder' in principal.roles && action.amount < 0.5",
      effect: 'allow',
    };
    const bundles: string[] = [];
    for (const set of [policies, [...policies, extra]]) {
      const bundle = await api(a.url, 'POST', '/api/v1/policies/bundles', {
        headers: admin,
        body: { policies: set },
      });
      assert.equal(bundle.status, 201, JSON.stringify(bundle.body));
      bundles.push(String(bundle.body.id));
    }
    // Activate through one replica, watch the other; then the other way round, three times.
    const propagation: number[] = [];
    for (const [i, [via, other]] of [
      [a, b],
      [b, a],
      [a, b],
    ].entries()) {
      const id = bundles[i % 2]!;
      const activated = await api(via!.url, 'POST', `/api/v1/policies/bundles/${id}/activate`, {
        headers: admin,
      });
      assert.equal(activated.status, 200, JSON.stringify(activated.body));
      const at = performance.now();
      let seen = -1;
      while (performance.now() - at < 30_000) {
        const active = await api(other!.url, 'GET', '/api/v1/policies/bundles/active', { headers: admin });
        const replica = active.body.replica as { bundleId: string; generation: number } | null;
        if (replica?.bundleId === id && replica.generation === activated.body.generation) {
          seen = performance.now() - at;
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(seen >= 0, `replica never swapped to bundle ${id}`);
      propagation.push(Math.round(seen));
    }
    // Reported, not asserted: a wall-clock figure belongs to bench/ (the loop's deadline stops a hang).
    process.stderr.write(`# activation propagation: ${propagation.join(', ')} ms\n`);

    // The verification gate (fv in its own process): a bundle that breaks an invariant is refused
    // with the counterexample.
    const broken = policies
      .filter((p) => (p as { id: string }).id !== 'refunds.review-above-limit')
      .map((p) =>
        (p as { id: string }).id === 'refunds.allow-small'
          ? { ...(p as object), condition: "'support-agent' in principal.roles && action.amount <= 500.0" }
          : p,
      );
    const bad = await api(a.url, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: broken },
    });
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    const refused = await api(a.url, 'POST', `/api/v1/policies/bundles/${bad.body.id}/activate`, {
      headers: admin,
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /finance\.refund-review-above-100.*counterexample/);
    // With the verifier stopped, activation fails closed: 503, and the active bundle stays.
    const before = await api(a.url, 'GET', '/api/v1/policies/bundles/active', { headers: admin });
    const fv = processes.get('fv')!;
    const exited = new Promise((resolve) => fv.child.once('exit', resolve));
    fv.child.kill('SIGTERM');
    await exited;
    const down = await api(a.url, 'POST', `/api/v1/policies/bundles/${bundles[1]}/activate`, {
      headers: admin,
    });
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.ok(down.headers.get('retry-after'), 'a 503 carries Retry-After');
    const after = await api(a.url, 'GET', '/api/v1/policies/bundles/active', { headers: admin });
    assert.deepEqual(after.body.replica, before.body.replica, 'nothing changed');

    // Decisions through both replicas: each names the active bundle, each lands in the one log.
    const scenarios = (
      constitution.body.document as {
        scenarioSuites: { scenarios: { request: unknown; expected: string }[] }[];
      }
    ).scenarioSuites.flatMap((s) => s.scenarios);
    const answers = await Promise.all(
      scenarios.flatMap((s) =>
        replicas.map(async (replica) => ({
          s,
          replica,
          answer: await api(replica.url, 'POST', '/api/v1/decisions', { headers: agent, body: s.request }),
        })),
      ),
    );
    let last = 0;
    for (const { s, answer } of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.decision, s.expected);
      assert.equal(answer.body.bundleId, bundles[0]);
      last = Math.max(last, (answer.body.logReceipt as { index: number }).index);
    }
    const integrity = processes.get('integrity')!.url;
    let checkpoint: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      checkpoint = (await api(integrity, 'GET', '/api/v1/log/checkpoint', { headers: auditor })).body;
      if ((checkpoint.size as number) > last) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const keys = (await api(integrity, 'GET', '/api/v1/log/public-key')).body.keys as string[];
    const opened = openCheckpoint(
      String(checkpoint.note),
      keys.map(parseVerifierKey),
      String(checkpoint.origin),
    );
    assert.ok(opened.size > last);
    const fromReplica = new Map<PlatformProcess, number>();
    for (const { replica, answer } of answers) {
      const receipt = answer.body.logReceipt as { leafHash: string; index: number; position: number };
      const entry = await api(integrity, 'GET', `/api/v1/log/entries/${receipt.index}`, { headers: auditor });
      assert.equal(entry.status, 200);
      const parsed = JSON.parse(String(entry.body.entry)) as {
        type: string;
        source: string;
        payload: { decisions: string[][] };
      };
      assert.equal(parsed.type, 'policy.decision');
      assert.equal(parsed.source, 'pgc');
      assert.equal(parsed.payload.decisions[receipt.position]![0], answer.body.decisionId);
      const proof = await api(
        integrity,
        'GET',
        `/api/v1/log/proofs/inclusion?index=${receipt.index}&size=${opened.size}`,
        {
          headers: auditor,
        },
      );
      assert.ok(
        verifyInclusion(
          receipt.index,
          opened.size,
          fromHex(receipt.leafHash),
          (proof.body.proof as string[]).map(fromHex),
          opened.root,
        ),
      );
      fromReplica.set(replica, (fromReplica.get(replica) ?? 0) + 1);
    }
    assert.deepEqual([...fromReplica.values()], [scenarios.length, scenarios.length]);
  });
});
