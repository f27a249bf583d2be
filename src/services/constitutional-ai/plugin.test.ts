/** The routes through the real kit (inject, no sockets): auth, validation, problem+json, the hash header. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import {
  type ConstitutionFixture,
  EXAMPLE_FILE,
  exampleDocument,
  openConstitutionFixture,
} from '../../../test/support/constitution-fixture.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import { loadConfig } from '../../kernel/config.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import { SERVICES } from '../../kernel/services.js';
import { createServer } from '../../kit/create-server.js';
import { HttpMetrics } from '../../kit/http-metrics.js';
import { ConstitutionReader } from './constitution-reader.js';
import { EMPTY_CONSTITUTION_HASH } from './empty-constitution.js';
import { constitutionRoutes } from './plugin.js';

// Real access tokens, verified by the platform's own TokenAuthenticator.
const issuer = await createTestTokenIssuer();
const admin = await issuer.headers('ada', ['admin']);
const author = await issuer.headers('paul', ['policy_author']);
const auditor = await issuer.headers('audrey', ['auditor']);
const council = await issuer.headers('svc-ec', ['service'], 'service');

describe('constitution routes', () => {
  let f: ConstitutionFixture;
  let app: FastifyInstance;
  before(async () => {
    f = await openConstitutionFixture();
    app = await createServer({
      config: loadConfig({ mode: 'distributed', service: 'ac' }, {}),
      logger: pino({ level: 'silent' }),
      modules: [
        { descriptor: SERVICES.ac, routes: constitutionRoutes(f.deps, new ConstitutionReader(f.deps)) },
      ],
      dependencyChecks: [],
      constitution: f.deps.active,
      metrics: new HttpMetrics(),
      authenticator: issuer.authenticator,
      version: 'test',
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await f.close();
  });

  it('serves the active hash publicly; everything else needs credentials (401) and the right role (403)', async () => {
    const hash = await app.inject({ method: 'GET', url: '/api/v1/constitution/active/hash' });
    assert.equal(hash.statusCode, 200);
    assert.deepEqual(hash.json(), EMPTY_CONSTITUTION_HASH);
    assert.equal(hash.headers['x-constitutional-hash'], EMPTY_CONSTITUTION_HASH.short);
    for (const [method, url] of [
      ['GET', '/api/v1/constitution/active'],
      ['GET', '/api/v1/constitution/versions'],
      ['GET', '/api/v1/constitution/principles'],
      ['GET', '/api/v1/constitution/scenario-suites'],
      ['POST', '/api/v1/constitution/compliance'],
      ['GET', '/api/v1/constitution/drafts'],
      ['POST', '/api/v1/constitution/bootstrap'],
      ['POST', '/api/v1/constitution/enactments'],
    ] as const) {
      const response = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      assert.equal(response.statusCode, 401, `${method} ${url}`);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    const forbidden = [
      await app.inject({
        method: 'POST',
        url: '/api/v1/constitution/bootstrap',
        headers: author,
        payload: { document: {} },
      }),
      await app.inject({ method: 'GET', url: '/api/v1/constitution/drafts', headers: auditor }),
      await app.inject({
        method: 'POST',
        url: '/api/v1/constitution/enactments',
        headers: admin,
        payload: {},
      }),
    ];
    assert.deepEqual(
      forbidden.map((r) => r.statusCode),
      [403, 403, 403],
    );
    const none = await app.inject({ method: 'GET', url: '/api/v1/constitution/active', headers: auditor });
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().code, 'CONSTITUTION_NOT_PUBLISHED');
  });

  it('rejects an invalid bootstrap with problem+json naming each field, with line and column for YAML', async () => {
    const yaml = readFileSync(EXAMPLE_FILE, 'utf8').replace(
      "when: action.type == 'close_account' && principal.type == 'agent'",
      "when: action.type == 'close_account' && principal.kind == 'agent'",
    );
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/bootstrap',
      headers: admin,
      payload: { yaml },
    });
    assert.equal(response.statusCode, 400);
    const problem = response.json();
    assert.equal(problem.code, 'CONSTITUTION_INVALID');
    assert.equal(problem.errors.length, 1);
    assert.equal(problem.errors[0].pointer, '/body/yaml/principles/6/invariants/0/when');
    assert.match(problem.errors[0].detail, /unknown attribute 'principal\.kind'/);
    const line = yaml.split('\n').findIndex((l) => l.includes('principal.kind')) + 1;
    assert.equal(problem.errors[0].location.line, line);

    const both = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/bootstrap',
      headers: admin,
      payload: { yaml, document: {} },
    });
    assert.equal(both.statusCode, 400);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/bootstrap',
      headers: admin,
      payload: { yml: yaml },
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().code, 'VALIDATION_FAILED');
  });

  it('bootstraps the first version; the response and every later one carry its hash; a stale hash gets 409', async () => {
    const expected = constitutionalHashOf(exampleDocument());
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/bootstrap',
      headers: admin,
      payload: { yaml: readFileSync(EXAMPLE_FILE, 'utf8') },
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(response.json().hash, expected.hash);
    assert.equal(response.json().publishedBy, 'ada');
    const active = await app.inject({ method: 'GET', url: '/api/v1/constitution/active/hash' });
    assert.equal(active.headers['x-constitutional-hash'], expected.short);
    assert.deepEqual(active.json(), expected);

    const stale = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/active',
      headers: { ...auditor, 'x-constitutional-hash': EMPTY_CONSTITUTION_HASH.short },
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().code, 'CONSTITUTION_HASH_MISMATCH');
    assert.equal(stale.json().activeHash, expected.hash);
    assert.equal(stale.json().expectedHash, EMPTY_CONSTITUTION_HASH.short);
    const fresh = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/active',
      headers: { ...auditor, 'x-constitutional-hash': expected.hash },
    });
    assert.equal(fresh.statusCode, 200);
    assert.equal(fresh.json().number, 1);

    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/bootstrap',
      headers: admin,
      payload: { document: exampleDocument() },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'CONSTITUTION_ALREADY_BOOTSTRAPPED');
  });

  it('refuses every attempt to change a published version (409)', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const response = await app.inject({
        method,
        url: '/api/v1/constitution/versions/1',
        headers: admin,
        ...(method === 'DELETE' ? {} : { payload: { document: exampleDocument() } }),
      });
      assert.equal(response.statusCode, 409, method);
      assert.equal(response.json().code, 'CONSTITUTION_VERSION_IMMUTABLE');
    }
  });

  it('lets authors draft an amendment that the council enacts; the header follows; diff shows the change', async () => {
    const mixed = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/drafts',
      headers: author,
      payload: { fromVersion: '1', document: exampleDocument() },
    });
    assert.equal(mixed.statusCode, 400);
    assert.equal(mixed.json().errors[0].pointer, '/body/fromVersion');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/drafts',
      headers: author,
      payload: {},
    });
    assert.equal(created.statusCode, 201, created.body);
    const draft = created.json();
    const doc = exampleDocument() as unknown as { principles: { id: string; title: string }[] };
    doc.principles.find((p) => p.id === 'transparency')!.title =
      'Customers always know when they talk to an AI';
    const stale = await app.inject({
      method: 'PUT',
      url: `/api/v1/constitution/drafts/${draft.id}`,
      headers: author,
      payload: { document: doc, revision: 7 },
    });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().code, 'CONSTITUTION_DRAFT_CONFLICT');
    const saved = await app.inject({
      method: 'PUT',
      url: `/api/v1/constitution/drafts/${draft.id}`,
      headers: author,
      payload: { document: doc, revision: 1 },
    });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.equal(saved.json().revision, 2);

    // Without a passed proposal binding this draft's hash, past its timelock, nothing is enacted.
    const enactAs = (proposalId: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/constitution/enactments',
        headers: council,
        payload: { draftId: draft.id, proposalId, enactedBy: `council:${proposalId}` },
      });
    const unknown = await enactAs('prop-0');
    assert.equal(unknown.statusCode, 409, unknown.body);
    assert.equal(unknown.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    f.council.pass('prop-other', 'f'.repeat(64));
    const otherContent = await enactAs('prop-other');
    assert.equal(otherContent.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    assert.match(otherContent.json().detail, /binds content ffffffffffffffff/);
    f.council.pass('prop-retire', saved.json().hash, 'retire-policy');
    assert.match((await enactAs('prop-retire')).json().detail, /retire-policy proposal/);
    f.council.pass('prop-1', saved.json().hash);
    const enacted = await enactAs('prop-1');
    assert.equal(enacted.statusCode, 201, enacted.body);
    const v2 = enacted.json();
    assert.equal(v2.number, 2);
    assert.equal(enacted.headers['x-constitutional-hash'], v2.short);
    const after = await app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(after.headers['x-constitutional-hash'], v2.short);

    const frozen = await app.inject({
      method: 'PUT',
      url: `/api/v1/constitution/drafts/${draft.id}`,
      headers: author,
      payload: { document: exampleDocument(), revision: 2 },
    });
    assert.equal(frozen.statusCode, 409);
    assert.equal(frozen.json().code, 'CONSTITUTION_VERSION_IMMUTABLE');

    const diff = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/diff?from=1&to=2',
      headers: auditor,
    });
    assert.equal(diff.statusCode, 200);
    assert.deepEqual(diff.json().principles.changed, [
      {
        id: 'transparency',
        changes: [
          {
            field: 'title',
            before: 'Customers know when they talk to an AI',
            after: 'Customers always know when they talk to an AI',
          },
        ],
      },
    ]);
    const versions = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/versions',
      headers: auditor,
    });
    assert.deepEqual(
      versions.json().versions.map((v: { number: number; via: string }) => [v.number, v.via]),
      [
        [2, 'enact'],
        [1, 'bootstrap'],
      ],
    );
  });

  it('exports a version as YAML that imports to the same hash', async () => {
    const v2 = (
      await app.inject({ method: 'GET', url: '/api/v1/constitution/versions/2', headers: auditor })
    ).json();
    const exported = await app.inject({
      method: 'GET',
      url: `/api/v1/constitution/versions/${v2.short}/export`,
      headers: auditor,
    });
    assert.equal(exported.statusCode, 200);
    assert.match(exported.headers['content-type'] as string, /^application\/yaml/);
    const draft = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/drafts',
      headers: author,
      payload: { yaml: exported.body },
    });
    assert.equal(draft.statusCode, 201);
    assert.equal(draft.json().hash, v2.hash);
  });

  it('answers the compliance check, and validates its input field by field', async () => {
    const request = {
      principal: { id: 'agent-1', type: 'agent', roles: ['support-agent'] },
      action: { type: 'send_email', recipients: ['x@mail.example'] },
      resource: { type: 'email', external: true },
      context: { contains_pii: true },
    };
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/compliance',
      headers: await issuer.headers('agent-1', ['agent']),
      payload: { request, decision: 'allow' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const report = ok.json();
    assert.deepEqual(
      report.applicable.map((a: { invariantId: string }) => a.invariantId),
      ['privacy.no-external-pii-email'],
    );
    assert.deepEqual(report.forbidden, ['allow']);
    assert.equal(report.compliant, false);
    const badDecision = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/compliance',
      headers: auditor,
      payload: { request, decision: 'maybe' },
    });
    assert.equal(badDecision.statusCode, 400);
    assert.equal(badDecision.json().errors[0].pointer, '/body/decision');
    const badRequest = await app.inject({
      method: 'POST',
      url: '/api/v1/constitution/compliance',
      headers: auditor,
      payload: { request: { ...request, action: { type: 'send_email', recipients: 'x' } } },
    });
    assert.equal(badRequest.statusCode, 400);
    assert.equal(badRequest.json().errors[0].pointer, '/body/request/action/recipients');
  });

  it('filters principles and lists scenario suites over HTTP', async () => {
    const principles = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/principles?category=privacy&keyword=consent',
      headers: auditor,
    });
    assert.deepEqual(
      principles.json().principles.map((p: { id: string }) => p.id),
      ['marketing-consent'],
    );
    const suites = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/scenario-suites?version=1',
      headers: auditor,
    });
    assert.equal(suites.json().suites.length, 4);
    const suite = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/scenario-suites/records',
      headers: auditor,
    });
    assert.equal(suite.json().suite.scenarios.length, 10);
    const badRef = await app.inject({
      method: 'GET',
      url: '/api/v1/constitution/versions/latest',
      headers: auditor,
    });
    assert.equal(badRef.statusCode, 400);
    assert.equal(badRef.json().errors[0].pointer, '/params/ref');
  });
});
