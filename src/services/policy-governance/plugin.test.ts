/**
 * The PGC's routes through the real kit (inject, no sockets), over the real Constitutional AI and
 * Integrity services on a throw-away SQLite database: who may call what (401/403 on every route),
 * problem+json with the failing field, and the metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino from 'pino';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { loadConfig } from '../../kernel/config.js';
import type { Role } from '../../kernel/roles.js';
import { SERVICES } from '../../kernel/services.js';
import { createServer } from '../../kit/create-server.js';
import { HttpMetrics } from '../../kit/http-metrics.js';
import type { Authenticator } from '../../kit/route-auth.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createIntegrityService } from '../integrity/service.js';
import { integrityMigrations } from '../integrity/store.js';
import { createPolicyGovernanceService } from './service.js';
import { pgcMigrations } from './store.js';

/** Test credentials: `authorization: Test <subject> <role>,<role>`. */
const testAuthenticator: Authenticator = {
  async authenticate(request: FastifyRequest) {
    const [scheme, subject, roles] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Test' || subject === undefined) return undefined;
    const granted = (roles ?? '').split(',').filter(Boolean) as Role[];
    // The agent credential of these tests speaks for the request's principal (a delegate, like a gateway).
    return { subject, roles: granted, scopes: [], kind: 'user', delegate: granted.includes('agent') };
  },
};
const as = (role: Role) => ({ authorization: `Test someone-${role} ${role}` });

const policy = {
  id: 'unit.refund-small',
  principles: ['customer-care'],
  target: { actions: ['issue_refund'] },
  condition: "'support-agent' in principal.roles && action.amount <= 100.0",
  effect: 'allow',
};
const request = {
  principal: { id: 'agent-1', type: 'agent', roles: ['support-agent'] },
  action: { type: 'issue_refund', amount: 20 },
  resource: { type: 'order' },
};

describe('pgc routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-routes-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let context: ServiceContext;
  let modules: ServiceModule[] = [];
  let app: FastifyInstance;

  before(async () => {
    context = await openTestServiceContext(
      database,
      dir,
      { ac: constitutionMigrations, integrity: integrityMigrations, pgc: pgcMigrations },
      'routes',
    );
    const ac = createConstitutionalAiService(context);
    const integrity = createIntegrityService(context);
    const pgc = createPolicyGovernanceService(context, {
      constitution: ac.contract,
      integrity: integrity.contract,
    });
    modules = [ac, integrity, pgc];
    for (const m of modules) await m.start?.();
    const metrics = new HttpMetrics();
    app = await createServer({
      config: loadConfig({ mode: 'distributed', service: 'pgc' }, {}),
      logger: pino({ level: 'silent' }),
      modules: [{ descriptor: SERVICES.pgc, routes: pgc.routes }],
      dependencyChecks: [],
      constitution: context.activeConstitution,
      metrics,
      authenticator: testAuthenticator,
      version: 'test',
    });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    for (const m of [...modules].reverse()) await m.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every route but the public key needs credentials (401) and one of its roles (403)', async () => {
    const id = 'a'.repeat(64);
    const routes: [method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, allowed: Role, refused: Role][] = [
      ['GET', '/api/v1/policies', 'policy_author', 'agent'],
      ['POST', '/api/v1/policies', 'admin', 'auditor'],
      ['POST', '/api/v1/policies/validate', 'policy_author', 'service'],
      ['GET', '/api/v1/policies/x', 'admin', 'agent'],
      ['PUT', '/api/v1/policies/x', 'policy_author', 'council_member'],
      ['DELETE', '/api/v1/policies/x', 'admin', 'reviewer'],
      ['POST', '/api/v1/policies/bundles', 'policy_author', 'agent'],
      ['GET', '/api/v1/policies/bundles', 'auditor', 'agent'],
      ['GET', '/api/v1/policies/bundles/active', 'service', 'agent'],
      ['GET', `/api/v1/policies/bundles/${id}`, 'council_member', 'reviewer'],
      ['POST', `/api/v1/policies/bundles/${id}/activate`, 'admin', 'policy_author'],
      ['POST', '/api/v1/decisions', 'agent', 'admin'],
      ['POST', '/api/v1/decisions/batch', 'service', 'auditor'],
    ];
    for (const [method, url, allowed, refused] of routes) {
      const payload = method === 'POST' || method === 'PUT' ? {} : undefined;
      const none = await app.inject({ method, url, ...(payload ? { payload } : {}) });
      assert.equal(none.statusCode, 401, `${method} ${url}`);
      assert.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
      const wrong = await app.inject({ method, url, headers: as(refused), ...(payload ? { payload } : {}) });
      assert.equal(wrong.statusCode, 403, `${method} ${url} as ${refused}`);
      const right = await app.inject({ method, url, headers: as(allowed), ...(payload ? { payload } : {}) });
      assert.ok(
        ![401, 403].includes(right.statusCode),
        `${method} ${url} as ${allowed}: ${right.statusCode}`,
      );
    }
    const key = await app.inject({ method: 'GET', url: '/api/v1/policies/bundles/public-key' });
    assert.equal(key.statusCode, 200);
    assert.equal(Buffer.from(key.json().publicKey, 'base64').length, 32);
  });

  test('problem+json names the failing field', async () => {
    const invalid = await app.inject({
      method: 'POST',
      url: '/api/v1/policies',
      headers: as('policy_author'),
      payload: { ...policy, effect: 'maybe' },
    });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().code, 'PGC_POLICY_INVALID');
    assert.ok(invalid.json().errors.some((e: { pointer: string }) => e.pointer === '/body/effect'));
    const notArray = await app.inject({
      method: 'POST',
      url: '/api/v1/decisions/batch',
      headers: as('agent'),
      payload: { requests: 'all of them' },
    });
    assert.equal(notArray.statusCode, 400);
    assert.ok(notArray.json().errors.some((e: { pointer: string }) => e.pointer === '/body/requests'));
    const mode = await app.inject({
      method: 'POST',
      url: '/api/v1/decisions?mode=later',
      headers: as('agent'),
      payload: request,
    });
    assert.equal(mode.statusCode, 400);
    assert.ok(mode.json().errors.some((e: { pointer: string }) => e.pointer.startsWith('/querystring/mode')));
    const badId = await app.inject({
      method: 'GET',
      url: '/api/v1/policies/bundles/not-a-hash',
      headers: as('admin'),
    });
    assert.equal(badId.statusCode, 400);
  });

  test('bundle, activate, decide: the answer and the metrics', async () => {
    const bundle = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/bundles',
      headers: as('policy_author'),
      payload: { policies: [policy], suites: [] },
    });
    assert.equal(bundle.statusCode, 201, bundle.body);
    const unknownSuite = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/bundles',
      headers: as('policy_author'),
      payload: { policies: [policy], suites: ['nope'] },
    });
    assert.equal(unknownSuite.statusCode, 400);
    assert.equal(unknownSuite.json().errors[0].pointer, '/body/suites/0');
    // No suite pinned: only the type check gates this one-policy bundle.
    const activated = await app.inject({
      method: 'POST',
      url: `/api/v1/policies/bundles/${bundle.json().id}/activate`,
      headers: as('admin'),
    });
    assert.equal(activated.statusCode, 200, activated.body);
    const decided = await app.inject({
      method: 'POST',
      url: '/api/v1/decisions?explain=true',
      headers: as('agent'),
      payload: request,
    });
    assert.equal(decided.statusCode, 200, decided.body);
    const body = decided.json();
    assert.equal(body.decision, 'allow');
    assert.equal(body.bundleId, bundle.json().id);
    assert.deepEqual(body.principles, ['customer-care']);
    assert.equal(body.explanation[0].matched, true);
    assert.equal(typeof body.logReceipt.index, 'number');
    const metrics = await context.metrics.metrics();
    assert.match(metrics, /acgs_decisions_total\{decision="allow"\} 1/);
    assert.match(metrics, new RegExp(`acgs_active_bundle_info\\{bundle_id="${bundle.json().id}"`));
  });
});
