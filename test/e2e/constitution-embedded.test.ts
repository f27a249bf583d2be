/**
 * Done-when 4 of the constitution issue, end to end in embedded mode as an operator runs it:
 * `acgs up` publishes the example constitution on first start; a client with a stale
 * X-Constitutional-Hash gets 409 with both hashes; the enactment route refuses even the council's
 * account without a passed proposal; after the council enacts a new version (a member proposes
 * and signs a vote; the amendment rule here has no timelock) every
 * service's responses carry the new hash; the integrity intake records the events; a restart
 * keeps the version; `acgs constitution publish` bootstraps a platform started empty.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { SERVICE_NAMES } from '../../src/kernel/services.js';
import { generateMemberKey, signVote } from '../../src/services/executive-council/vote-payload.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { EXAMPLE_FILE, exampleConstitution } from '../support/constitution-fixture.js';
import { freePort, runAcgs, startAcgs } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-constitution-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const ENV = {
  DATABASE_URL: '',
  REDIS_URL: '',
  NATS_URL: '',
  LOG_LEVEL: 'warn',
  ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  ACGS_CONSTITUTION_FILE: '',
};
// The example with an amendment rule the test can see through (no timelock): the council enacts
// the amendment within the test (docs/council.md).
const exampleDocument = {
  ...exampleConstitution().document,
  councilRules: {
    ...exampleConstitution().document.councilRules,
    'amend-constitution': { quorum: 0.5, threshold: 'simple', votingWindowHours: 1, timelockHours: 0 },
  },
};
const exampleFile = join(dataDir, 'example-quick-council.json');
writeFileSync(exampleFile, JSON.stringify(exampleDocument));
const example = constitutionalHashOf(exampleDocument);
/** The example file as shipped (what `acgs constitution publish` sends below). */
const original = constitutionalHashOf(exampleConstitution().document);

/** The hash header on a response of each of the eight services (their OpenAPI documents). */
async function hashesOfEveryService(url: string, headers: Record<string, string> = {}) {
  const out: Record<string, string | null> = {};
  for (const service of SERVICE_NAMES) {
    const response = await fetch(`${url}/openapi/${service}.json`, { headers });
    await response.arrayBuffer();
    out[service] = response.headers.get('x-constitutional-hash');
  }
  return out;
}

const everyService = (short: string) => Object.fromEntries(SERVICE_NAMES.map((s) => [s, short]));

describe('the constitution end to end (embedded)', () => {
  const dir = join(dataDir, 'main');

  test('first start publishes the example; the council enacts an amendment; every service follows; stale hashes get 409', async () => {
    const platform = await startAcgs(['up'], {
      ...ENV,
      ACGS_DATA_DIR: dir,
      ACGS_PORT: String(await freePort()),
      ACGS_CONSTITUTION_FILE: exampleFile,
      ACGS_COUNCIL_TICK_MS: '100',
    });
    try {
      const url = platform.url;
      assert.deepEqual(await hashesOfEveryService(url), everyService(example.short));
      const active = await api(url, 'GET', '/api/v1/constitution/active/hash');
      assert.deepEqual(active.body, example);

      const stale = await api(url, 'GET', '/api/v1/constitution/active/hash', {
        headers: { 'x-constitutional-hash': '0123456789abcdef' },
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.code, 'CONSTITUTION_HASH_MISMATCH');
      assert.equal(stale.body.expectedHash, '0123456789abcdef');
      assert.equal(stale.body.activeHash, example.hash);

      const admin = bearer((await loginAsAdmin(url)).accessToken);
      const v1 = await api(url, 'GET', '/api/v1/constitution/active', { headers: admin });
      assert.equal(v1.status, 200);
      assert.equal(v1.body.number, 1);
      assert.equal(v1.body.via, 'bootstrap');

      // An author drafts an amendment from the active version and edits it.
      const draft = await api(url, 'POST', '/api/v1/constitution/drafts', { headers: admin, body: {} });
      assert.equal(draft.status, 201, JSON.stringify(draft.body));
      const document = draft.body.document as { principles: { id: string; priority: number }[] };
      document.principles.find((p) => p.id === 'transparency')!.priority = 65;
      const saved = await api(url, 'PUT', `/api/v1/constitution/drafts/${String(draft.body.id)}`, {
        headers: admin,
        body: { document, revision: 1 },
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));

      // The admin cannot publish it: only the council enacts, through its service account.
      const bootstrap = await api(url, 'POST', '/api/v1/constitution/bootstrap', {
        headers: admin,
        body: { draftId: draft.body.id },
      });
      assert.equal(bootstrap.status, 409);
      assert.equal(bootstrap.body.code, 'CONSTITUTION_ALREADY_BOOTSTRAPPED');
      // Another service's credential cannot enact (only svc-ec): one compromised pod must not
      // rewrite the constitution (security issue, done-when 2).
      for (const account of ['svc-pgc', 'svc-integrity', 'executive-council']) {
        const other = await api(url, 'POST', '/api/v1/auth/api-keys', {
          headers: admin,
          body: { account, roles: ['service'], rateLimitPerMinute: 1000 },
        });
        assert.equal(other.status, 201, JSON.stringify(other.body));
        const refused = await api(url, 'POST', '/api/v1/constitution/enactments', {
          headers: { 'x-api-key': String(other.body.key) },
          body: { draftId: draft.body.id, proposalId: 'made-up', enactedBy: 'mallory' },
        });
        assert.equal(refused.status, 403, `${account}: ${JSON.stringify(refused.body)}`);
        assert.match(String(refused.body.detail), /svc-ec/);
      }
      const key = await api(url, 'POST', '/api/v1/auth/api-keys', {
        headers: admin,
        body: { account: 'svc-ec', roles: ['service'], rateLimitPerMinute: 1000 },
      });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      // Even the council's own account cannot enact without a passed proposal binding this draft.
      const unproposed = await api(url, 'POST', '/api/v1/constitution/enactments', {
        headers: { 'x-api-key': String(key.body.key) },
        body: { draftId: draft.body.id, proposalId: 'proposal-1', enactedBy: 'council' },
      });
      assert.equal(unproposed.status, 409, JSON.stringify(unproposed.body));
      assert.equal(unproposed.body.code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
      // The council: one member seated by the admin proposes the draft and votes for it.
      const memberKey = generateMemberKey();
      const seated = await api(url, 'POST', '/api/v1/council/members', {
        headers: admin,
        body: { memberId: 'ada', displayName: 'Ada', publicKey: memberKey.publicKey, weight: 1 },
      });
      assert.equal(seated.status, 201, JSON.stringify(seated.body));
      const proposal = await api(url, 'POST', '/api/v1/council/proposals', {
        headers: admin,
        body: {
          kind: 'amend-constitution',
          title: 'Transparency weighs less',
          content: { draftId: draft.body.id },
        },
      });
      assert.equal(proposal.status, 201, JSON.stringify(proposal.body));
      const memberApiKey = await api(url, 'POST', '/api/v1/auth/api-keys', {
        headers: admin,
        body: { account: 'ada', roles: ['council_member'], rateLimitPerMinute: 1000 },
      });
      const fields = {
        proposalId: String(proposal.body.id),
        contentHash: String(proposal.body.contentHash),
        choice: 'yes' as const,
        memberId: 'ada',
        time: new Date().toISOString(),
      };
      const voted = await api(url, 'POST', `/api/v1/council/proposals/${fields.proposalId}/votes`, {
        headers: { 'x-api-key': String(memberApiKey.body.key) },
        body: { ...fields, proposalId: undefined, signature: signVote(fields, memberKey.privateKeyPem) },
      });
      assert.equal(voted.status, 201, JSON.stringify(voted.body));
      let enacted = await api(url, 'GET', '/api/v1/constitution/active', { headers: admin });
      for (let i = 0; i < 100 && enacted.body.number !== 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        enacted = await api(url, 'GET', '/api/v1/constitution/active', { headers: admin });
      }
      assert.equal(enacted.body.number, 2, JSON.stringify(enacted.body));
      assert.equal(enacted.body.proposalId, fields.proposalId);
      assert.equal(enacted.body.hash, fields.contentHash);
      const v2 = { hash: String(enacted.body.hash), short: String(enacted.body.short) };
      assert.notEqual(v2.hash, example.hash);

      // The version is readable once committed; each service follows a moment later (the
      // publisher right after its commit, the others on the bus event): within two seconds.
      let followed = await hashesOfEveryService(url);
      for (const end = Date.now() + 2_000; Date.now() < end; ) {
        if (Object.values(followed).every((short) => short === v2.short)) break;
        await new Promise((r) => setTimeout(r, 50));
        followed = await hashesOfEveryService(url);
      }
      assert.deepEqual(followed, everyService(v2.short));
      assert.deepEqual(
        await hashesOfEveryService(url, { 'x-constitutional-hash': v2.hash }),
        everyService(v2.short),
      );
      const old = await fetch(`${url}/openapi/pgc.json`, {
        headers: { 'x-constitutional-hash': example.short },
      });
      assert.equal(old.status, 409);
      const oldBody = (await old.json()) as Record<string, string>;
      assert.equal(oldBody.activeHash, v2.hash);
      assert.equal(oldBody.expectedHash, example.short);

      const immutable = await api(url, 'PUT', '/api/v1/constitution/versions/1', {
        headers: admin,
        body: {},
      });
      assert.equal(immutable.status, 409);
      assert.equal(immutable.body.code, 'CONSTITUTION_VERSION_IMMUTABLE');

      // The integrity intake recorded both publications and the draft edits.
      const deadline = Date.now() + 10_000;
      let metrics = '';
      const published =
        /acgs_bus_events_consumed_total\{consumer="integrity-intake",source="ac",type="constitution\.version\.published"\} (\d+)/;
      while (Date.now() < deadline) {
        metrics = await (await fetch(`${url}/metrics`)).text();
        if (Number(published.exec(metrics)?.[1] ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(
        published.exec(metrics)?.[1],
        '2',
        metrics
          .split('\n')
          .filter((l) => l.includes('source="ac"'))
          .join('\n'),
      );
      assert.match(
        metrics,
        /consumer="integrity-intake",source="ac",type="constitution\.draft\.updated"\} 2/,
      );
    } finally {
      const exit = await platform.terminate();
      assert.equal(exit.code, 0, platform.stderr());
    }

    // A restart keeps version 2: the file bootstrap only runs on an empty store.
    const again = await startAcgs(['up'], {
      ...ENV,
      ACGS_DATA_DIR: dir,
      ACGS_PORT: String(await freePort()),
    });
    try {
      const hash = await api(again.url, 'GET', '/api/v1/constitution/active/hash');
      assert.notEqual(hash.body.hash, example.hash);
      const admin = bearer((await loginAsAdmin(again.url)).accessToken);
      const versions = await api(again.url, 'GET', '/api/v1/constitution/versions', { headers: admin });
      assert.deepEqual(
        (versions.body.versions as { number: number }[]).map((v) => v.number),
        [2, 1],
      );
    } finally {
      await again.terminate();
    }
  });

  test('ACGS_CONSTITUTION_FILE=none starts empty; `acgs constitution publish` bootstraps it', async () => {
    const empty = join(dataDir, 'empty');
    const platform = await startAcgs(['up'], {
      ...ENV,
      ACGS_CONSTITUTION_FILE: 'none',
      ACGS_DATA_DIR: empty,
      ACGS_PORT: String(await freePort()),
    });
    try {
      const before = await api(platform.url, 'GET', '/api/v1/constitution/active/hash');
      assert.notEqual(before.body.hash, original.hash);
      const token = (await loginAsAdmin(platform.url)).accessToken;
      const noToken = runAcgs(['constitution', 'publish', EXAMPLE_FILE, '--url', platform.url], {
        ACGS_TOKEN: '',
      });
      assert.equal(noToken.code, 2);
      const published = runAcgs(
        ['constitution', 'publish', EXAMPLE_FILE, '--url', platform.url, '--token', token],
        {},
      );
      assert.equal(published.code, 0, published.stderr);
      assert.match(published.stdout, new RegExp(`published version 1 hash ${original.hash}`));
      assert.deepEqual(await hashesOfEveryService(platform.url), everyService(original.short));
      const twice = runAcgs(
        ['constitution', 'publish', EXAMPLE_FILE, '--url', platform.url, '--token', token],
        {},
      );
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /409 CONSTITUTION_ALREADY_BOOTSTRAPPED/);
    } finally {
      await platform.terminate();
    }
  });

  test('a constitution file that does not validate stops start-up with exit code 2 and the position', async () => {
    const bad = join(dataDir, 'bad.yaml');
    writeFileSync(bad, 'name: Bad\nvocabulary: { attributes: {} }\nprinciples: []\ncouncilRules: {}\n');
    const result = runAcgs(['up'], {
      ...ENV,
      ACGS_CONSTITUTION_FILE: bad,
      ACGS_DATA_DIR: join(dataDir, 'bad'),
      ACGS_PORT: String(await freePort()),
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /ACGS_CONSTITUTION_FILE: .*bad\.yaml:4:\d+: \/councilRules\/amend-constitution: is required/,
    );
  });
});
