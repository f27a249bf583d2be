/**
 * Executive Council, done-when 4 (second half): two council replicas (`acgs serve ec`, two
 * processes) on one PostgreSQL database, beside auth, integrity and the constitution service,
 * with NATS and Redis. Three amendments pass together and their timelocks end together; both
 * replicas' schedulers race for them, and each is enacted exactly once — checked in the log
 * (one `constitution.version.published` and one `council.proposal.enacted` per proposal).
 * With the PGC (`acgs serve pgc`, the example policies activated on start) and the formal verifier
 * in their own processes, an `activate-policies` and a `retire-policy` proposal are enacted through
 * the council's PolicyGovernanceClient over HTTP, the PGC asking the council back for authority:
 * each once (`activatedBy: council:<id>`; one `council.proposal.enacted` and one
 * `policy.bundle.activated` each in the log).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { newKeyEncryptionKey } from '../../src/kit/secret-envelope.js';
import { loadPolicies } from '../../src/policy/index.js';
import { generateMemberKey, signVote } from '../../src/services/executive-council/vote-payload.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { exampleConstitution } from '../support/constitution-fixture.js';
import { distributedServices } from '../support/external-services.js';
import { EMERGENCY_DENY } from '../support/impact-policies.js';
import { LOAD_PROOF_VERIFICATION_MS } from '../support/load-proof.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const { postgres, redis, nats, skip } = await distributedServices();
const AMENDMENTS = 3;
const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));

describe('council, distributed: two replicas on PostgreSQL enact each passed proposal exactly once', {
  skip,
}, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('ece2e');
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-dist-'));
  const env: Record<string, string> = {};
  const processes = new Map<string, PlatformProcess>();
  let replicas: PlatformProcess[] = [];
  /** Seated by the first test; the second votes with them. */
  const members = ['ann', 'ben', 'cy'].map((id) => ({ id, ...generateMemberKey() }));

  /** ann votes yes on the first replica, ben on the second (signed votes): 2 of 3, settled at once. */
  async function yesFromAnnAndBen(p: { id: string; contentHash: string }, headers: Record<string, string>) {
    const [a, b] = replicas as [PlatformProcess, PlatformProcess];
    for (const m of members.slice(0, 2)) {
      const fields = {
        proposalId: p.id,
        contentHash: p.contentHash,
        choice: 'yes' as const,
        memberId: m.id,
        time: new Date().toISOString(),
      };
      const { proposalId: _, ...body } = { ...fields, signature: signVote(fields, m.privateKeyPem) };
      const cast = await api(
        m.id === 'ann' ? a.url : b.url,
        'POST',
        `/api/v1/council/proposals/${p.id}/votes`,
        {
          headers,
          body,
        },
      );
      assert.equal(cast.status, 201, JSON.stringify(cast.body));
    }
  }

  /** An API key with one role, created by an admin. */
  async function keyFor(auth: string, admin: Record<string, string>, account: string, role: string) {
    const created = await api(auth, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account, roles: [role], rateLimitPerMinute: 100_000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { 'x-api-key': String(created.body.key) };
  }

  /** Every entry of the one log, page by page. */
  async function logEntries(headers: Record<string, string>) {
    const all: { type: string; payload: Record<string, unknown> }[] = [];
    for (let start = 0; ; start += 1000) {
      const page = await api(
        processes.get('integrity')!.url,
        'GET',
        `/api/v1/log/entries?start=${start}&end=${start + 1000}`,
        { headers },
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const entries = page.body.entries as { entry: string }[];
      all.push(
        ...entries.map((e) => JSON.parse(e.entry) as { type: string; payload: Record<string, unknown> }),
      );
      if (entries.length < 1000) return all;
    }
  }

  function serviceKey(account: string) {
    const key = runAcgs(
      ['apikey', 'create', '--account', account, '--role', 'service', '--rate', '1000000'],
      env,
    );
    assert.equal(key.code, 0, key.stderr);
    return key.stdout.trim();
  }

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'ec');
    const document = exampleConstitution().document as unknown as Record<string, Record<string, unknown>>;
    const file = join(dir, 'constitution.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...document,
        councilRules: {
          ...document.councilRules,
          'amend-constitution': {
            quorum: 0.5,
            threshold: 'simple',
            votingWindowHours: 0.01,
            timelockHours: 0.0015,
          },
          'retire-policy': {
            quorum: 0.5,
            threshold: 'simple',
            votingWindowHours: 0.01,
            timelockHours: 0.0015,
          },
          'activate-policies': {
            quorum: 0.5,
            threshold: 'simple',
            votingWindowHours: 0.01,
            timelockHours: 0.0015,
          },
        },
      }),
    );
    Object.assign(env, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      ACGS_NATS_STREAM: run.toUpperCase(),
      ACGS_SUBJECT_ROOT: run,
      ACGS_REDIS_PREFIX: `${run}:`,
      ACGS_KEK: newKeyEncryptionKey(),
      ACGS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_CONSTITUTION_FILE: file,
      ACGS_LOG_CHECKPOINT_MS: '200',
      ACGS_COUNCIL_TICK_MS: '50',
    });
    // Every process knows the PGC and the verifier: the council wires its policy client to the PGC.
    for (const name of ['auth', 'ac', 'integrity', 'ec', 'pgc', 'fv'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const migrated = runAcgs(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /ec: applied 0001_/);
    const keys = {
      ac: serviceKey('svc-ac'),
      ec: serviceKey('svc-ec'),
      integrity: serviceKey('svc-integrity'),
      pgc: serviceKey('svc-pgc'),
      fv: serviceKey('svc-fv'),
    };
    await Promise.all(
      ['auth', 'ac', 'integrity', 'fv'].map(async (name) => {
        const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
        const key = keys[name as keyof typeof keys];
        processes.set(
          name,
          await startAcgs(['serve', name], {
            ...env,
            ACGS_PORT: port,
            ...(key ? { ACGS_SERVICE_API_KEY: key } : {}),
          }),
        );
      }),
    );
    replicas = await Promise.all([
      startAcgs(['serve', 'ec'], {
        ...env,
        ACGS_PORT: new URL(env.ACGS_EC_URL!).port,
        ACGS_SERVICE_API_KEY: keys.ec,
      }),
      freePort().then((port) =>
        startAcgs(['serve', 'ec'], { ...env, ACGS_PORT: String(port), ACGS_SERVICE_API_KEY: keys.ec }),
      ),
    ]);
    // The PGC last: it bundles and activates the example policies on start (no member seated yet).
    processes.set(
      'pgc',
      await startAcgs(['serve', 'pgc'], {
        ...env,
        ACGS_PORT: new URL(env.ACGS_PGC_URL!).port,
        ACGS_SERVICE_API_KEY: keys.pgc,
        ACGS_POLICY_DIR: POLICY_DIR,
      }),
    );
  });

  after(async () => {
    const all = [...replicas, ...processes.values()].filter((p) => p.child.exitCode === null);
    await Promise.all(all.map((p) => p.terminate()));
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    const client = new Redis(redis.url);
    try {
      const found = await client.keys(`${run}:*`);
      if (found.length > 0) await client.del(...found);
    } finally {
      client.disconnect();
    }
    const connection = await connect({ servers: nats.url });
    try {
      await (await connection.jetstreamManager()).streams.delete(run.toUpperCase()).catch(() => undefined);
    } finally {
      await connection.close();
    }
  });

  test('three amendments whose timelocks end together: each enacted once, in the one log', async () => {
    const [a, b] = replicas as [PlatformProcess, PlatformProcess];
    const auth = processes.get('auth')!.url;
    const ac = processes.get('ac')!.url;
    const admin = bearer((await loginAsAdmin(auth)).accessToken);
    const key = (account: string, role: string) => keyFor(auth, admin, account, role);
    const member = await key('dist-member', 'council_member');
    const auditor = await key('dist-auditor', 'auditor');
    for (const m of members) {
      const seated = await api(a.url, 'POST', '/api/v1/council/members', {
        headers: admin,
        body: { memberId: m.id, displayName: m.id, publicKey: m.publicKey, weight: 1 },
      });
      assert.equal(seated.status, 201, JSON.stringify(seated.body));
    }
    const current = await api(ac, 'GET', '/api/v1/constitution/active', { headers: admin });
    assert.equal(current.status, 200, JSON.stringify(current.body));
    const proposals: { id: string; contentHash: string }[] = [];
    for (let n = 0; n < AMENDMENTS; n++) {
      const opened = await api(n % 2 === 0 ? a.url : b.url, 'POST', '/api/v1/council/proposals', {
        headers: admin,
        body: {
          kind: 'amend-constitution',
          title: `Amendment ${n}`,
          content: { document: { ...(current.body.document as object), description: `Amendment ${n}.` } },
        },
      });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      proposals.push({ id: String(opened.body.id), contentHash: String(opened.body.contentHash) });
    }
    for (const p of proposals) await yesFromAnnAndBen(p, member);
    const enacted = new Map<string, Record<string, unknown>>();
    const end = Date.now() + 60_000;
    while (enacted.size < AMENDMENTS && Date.now() < end) {
      for (const p of proposals) {
        const view = await api(b.url, 'GET', `/api/v1/council/proposals/${p.id}`, { headers: auditor });
        if (view.body.status === 'enacted') enacted.set(p.id, view.body);
        assert.notEqual(view.body.status, 'failed', JSON.stringify(view.body));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(enacted.size, AMENDMENTS, 'every amendment enacted');
    const versions = await api(ac, 'GET', '/api/v1/constitution/versions', { headers: admin });
    const byProposal = (versions.body.versions as { proposalId?: string }[]).filter((v) =>
      proposals.some((p) => p.id === v.proposalId),
    );
    assert.equal(byProposal.length, AMENDMENTS, 'one version per proposal');
    // The log: one publication and one enactment event per proposal, whichever replica enacted it.
    const deadline = Date.now() + 30_000;
    let published: string[] = [];
    let councilEnacted: string[] = [];
    while (Date.now() < deadline) {
      const page = await api(processes.get('integrity')!.url, 'GET', '/api/v1/log/entries?start=0&end=1000', {
        headers: auditor,
      });
      const entries = (page.body.entries as { entry: string }[]).map(
        (e) => JSON.parse(e.entry) as { type: string; payload: Record<string, unknown> },
      );
      published = entries
        .filter((e) => e.type === 'constitution.version.published' && e.payload.via === 'enact')
        .map((e) => String(e.payload.proposalId));
      councilEnacted = entries
        .filter((e) => e.type === 'council.proposal.enacted')
        .map((e) => String(e.payload.proposalId));
      if (published.length >= AMENDMENTS && councilEnacted.length >= AMENDMENTS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(published.sort(), proposals.map((p) => p.id).sort());
    assert.deepEqual(councilEnacted.sort(), proposals.map((p) => p.id).sort());
  });

  test('policy changes: an activate-policies and a retire-policy proposal enacted once each, by a council in another process than the PGC', async () => {
    const [a, b] = replicas as [PlatformProcess, PlatformProcess];
    const auth = processes.get('auth')!.url;
    const pgc = processes.get('pgc')!.url;
    const admin = bearer((await loginAsAdmin(auth)).accessToken);
    const key = (account: string, role: string) => keyFor(auth, admin, account, role);
    const member = await key('dist-policy-member', 'council_member');
    const auditor = await key('dist-policy-auditor', 'auditor');
    const active = async () => {
      const reply = await api(pgc, 'GET', '/api/v1/policies/bundles/active', { headers: admin });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body as { bundleId: string; activatedBy: string };
    };
    const policiesOf = async (bundleId: string) => {
      const bundle = await api(pgc, 'GET', `/api/v1/policies/bundles/${bundleId}`, { headers: admin });
      assert.equal(bundle.status, 200, JSON.stringify(bundle.body));
      return (bundle.body.policies as { id: string }[]).map((p) => p.id);
    };
    const propose = async (via: string, kind: string, title: string, content: Record<string, unknown>) => {
      const opened = await api(via, 'POST', '/api/v1/council/proposals', {
        headers: admin,
        body: { kind, title, content },
      });
      assert.equal(opened.status, 201, JSON.stringify(opened.body));
      return opened.body as { id: string; contentHash: string; content: Record<string, unknown> };
    };
    // 2 of 3 yes, settled at once; either replica may enact.
    const passAndEnact = async (p: { id: string; contentHash: string }) => {
      await yesFromAnnAndBen(p, member);
      // Every PGC gate runs, the verifier's proofs among them: seconds, or minutes on shared cores.
      const end = Date.now() + LOAD_PROOF_VERIFICATION_MS;
      for (;;) {
        const view = await api(a.url, 'GET', `/api/v1/council/proposals/${p.id}`, { headers: auditor });
        assert.equal(view.status, 200, JSON.stringify(view.body));
        assert.notEqual(view.body.status, 'failed', JSON.stringify(view.body));
        if (view.body.status === 'enacted') {
          // Passed, then enacted only once its timelock had run, at the first attempt.
          const { closedAt, enactableAt, enactedAt, enactment } = view.body as {
            closedAt: string;
            enactableAt: string;
            enactedAt: string;
            enactment: { attempts: number };
          };
          assert.equal(view.body.outcome, 'passed');
          assert.ok(Date.parse(enactableAt) > Date.parse(closedAt), JSON.stringify(view.body));
          assert.ok(Date.parse(enactedAt) >= Date.parse(enactableAt), JSON.stringify(view.body));
          assert.equal(enactment.attempts, 1, JSON.stringify(enactment));
          return view.body;
        }
        assert.ok(Date.now() < end, `not enacted in time: ${JSON.stringify(view.body)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    // The example policies, activated by the PGC on start.
    const initial = await active();
    const example = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
    assert.deepEqual(
      (await policiesOf(initial.bundleId)).sort(),
      example.map((p) => p.id).sort(),
      'the example policies are active',
    );

    // 1. activate-policies: the active set plus a deny, created by an admin at the PGC.
    const created = await api(pgc, 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies: [...example, EMERGENCY_DENY] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const bundleId = String(created.body.id);
    const activate = await propose(b.url, 'activate-policies', 'Deny the refund band', { bundleId });
    assert.equal(activate.contentHash, bundleId, 'bound to the bundle by its content hash');
    // Opened with the verifier's impact report (PGC → fv over HTTP) against the set active now.
    const opened = await api(a.url, 'GET', `/api/v1/council/proposals/${activate.id}`, { headers: auditor });
    const impact = (opened.body.content as { impact?: Record<string, unknown> }).impact;
    assert.ok(impact, JSON.stringify(opened.body));
    assert.deepEqual(
      [impact.impact, impact.classification, impact.fromBundleId],
      ['narrowing', 'narrowing', initial.bundleId],
      JSON.stringify(impact),
    );
    await passAndEnact(activate);
    const activated = await active();
    assert.deepEqual([activated.bundleId, activated.activatedBy], [bundleId, `council:${activate.id}`]);
    assert.ok((await policiesOf(activated.bundleId)).includes(EMERGENCY_DENY.id));

    // 2. retire-policy: the deny, now active, retired; a new bundle is the active set without it.
    const retire = await propose(a.url, 'retire-policy', 'Lift the refund band', {
      policyId: EMERGENCY_DENY.id,
    });
    await passAndEnact(retire);
    const retired = await active();
    assert.notEqual(retired.bundleId, bundleId);
    assert.equal(retired.activatedBy, `council:${retire.id}`);
    assert.deepEqual((await policiesOf(retired.bundleId)).sort(), example.map((p) => p.id).sort());

    // 3. The log: each enactment once, each activation once, no failed attempt.
    const expected = [
      { proposalId: activate.id, bundleId },
      { proposalId: retire.id, bundleId: retired.bundleId },
    ];
    const deadline = Date.now() + 30_000;
    let entries: { type: string; payload: Record<string, unknown> }[] = [];
    const of = (type: string, id: string) =>
      entries.filter(
        (e) => e.type === type && (e.payload.proposalId === id || e.payload.activatedBy === `council:${id}`),
      );
    for (;;) {
      entries = await logEntries(auditor);
      const done = expected.every(
        (x) =>
          of('council.proposal.enacted', x.proposalId).length > 0 &&
          of('policy.bundle.activated', x.proposalId).length > 0,
      );
      if (done || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const x of expected) {
      assert.equal(of('council.proposal.enacted', x.proposalId).length, 1, `${x.proposalId} enacted once`);
      const activations = of('policy.bundle.activated', x.proposalId);
      assert.equal(activations.length, 1, `${x.proposalId} activated once: ${JSON.stringify(activations)}`);
      assert.equal(activations[0]!.payload.bundleId, x.bundleId, JSON.stringify(activations[0]));
      assert.deepEqual(of('council.proposal.enactment-failed', x.proposalId), [], 'at the first attempt');
    }
  });
});
