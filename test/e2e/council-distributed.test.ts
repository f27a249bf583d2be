/**
 * Executive Council, done-when 4 (second half): two council replicas (`acgs serve ec`, two
 * processes) on one PostgreSQL database, beside auth, integrity and the constitution service,
 * with NATS and Redis. Three amendments pass together and their timelocks end together; both
 * replicas' schedulers race for them, and each is enacted exactly once — checked in the log
 * (one `constitution.version.published` and one `council.proposal.enacted` per proposal).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { newKeyEncryptionKey } from '../../src/kit/secret-envelope.js';
import { generateMemberKey, signVote } from '../../src/services/executive-council/vote-payload.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { exampleConstitution } from '../support/constitution-fixture.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const { postgres, redis, nats, skip } = await distributedServices();
const AMENDMENTS = 3;

describe('council, distributed: two replicas on PostgreSQL enact each passed proposal exactly once', {
  skip,
}, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('ece2e');
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-dist-'));
  const env: Record<string, string> = {};
  const processes = new Map<string, PlatformProcess>();
  let replicas: PlatformProcess[] = [];

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
    for (const name of ['auth', 'ac', 'integrity', 'ec'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const migrated = runAcgs(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /ec: applied 0001_/);
    const keys = {
      ac: serviceKey('svc-ac'),
      ec: serviceKey('svc-ec'),
      integrity: serviceKey('svc-integrity'),
    };
    await Promise.all(
      ['auth', 'ac', 'integrity'].map(async (name) => {
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
    const key = async (account: string, role: string) => {
      const created = await api(auth, 'POST', '/api/v1/auth/api-keys', {
        headers: admin,
        body: { account, roles: [role], rateLimitPerMinute: 100_000 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { 'x-api-key': String(created.body.key) };
    };
    const member = await key('dist-member', 'council_member');
    const auditor = await key('dist-auditor', 'auditor');
    const members = ['ann', 'ben', 'cy'].map((id) => ({ id, ...generateMemberKey() }));
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
    for (const p of proposals)
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
          { headers: member, body },
        );
        assert.equal(cast.status, 201, JSON.stringify(cast.body));
      }
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
});
