/**
 * The PGC's routes through the real kit (inject, no sockets), over the real Constitutional AI and
 * Integrity services on a throw-away SQLite database: who may call what (401/403 on every route),
 * problem+json with the failing field, and the metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { as, openPgcTestStack, type PgcTestStack } from '../../../test/support/pgc-test-app.js';
import type { Role } from '../../kernel/roles.js';
import type { ServiceContext } from '../../kit/service-module.js';

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
  let stack: PgcTestStack;
  let context: ServiceContext;
  let app: FastifyInstance;

  before(async () => {
    stack = await openPgcTestStack('routes');
    ({ context, app } = stack);
  });

  after(() => stack?.close());

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
