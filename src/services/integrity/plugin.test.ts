/** The Integrity routes through the real kit (inject, no sockets): roles, validation, answers. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase, type Database } from '../../storage/index.js';
import { createIntegrityService, type IntegrityService } from './service.js';
import { integrityMigrations } from './store.js';

const issuer = await createTestTokenIssuer();
const service = await issuer.headers('svc-pgc', ['service'], 'service');
const auditor = await issuer.headers('audrey', ['auditor']);
const agent = await issuer.headers('agent-1', ['agent'], 'service');

describe('integrity routes', () => {
  let dir: string;
  let database: Database;
  let context: ServiceContext;
  let integrity: IntegrityService;
  let served: ServedModule;
  let app: FastifyInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-log-routes-'));
    database = createDatabase(`sqlite:${join(dir, 'log.db')}`);
    context = await openTestServiceContext(database, dir, { integrity: integrityMigrations }, 'routes');
    integrity = createIntegrityService(context);
    await integrity.start?.();
    served = await serveModule(integrity, issuer.authenticator);
    app = served.app;
  });
  after(async () => {
    await served.close();
    await integrity.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/log/entries', headers, payload: payload as object });

  it('appends for services (201, then 200 for a repeated key); agents and auditors may not append', async () => {
    const entry = { type: 'test.routes', source: 'pgc', payload: { n: 1 }, key: 'k-1' };
    const first = await append(service, entry);
    assert.equal(first.statusCode, 201, first.body);
    assert.match(first.json().leafHash, /^[0-9a-f]{64}$/);
    // The only process sequences the log: a client with several replicas keeps sending here.
    assert.equal(first.headers['x-acgs-log-role'], 'sequencer');
    const again = await append(service, entry);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), first.json());
    for (const headers of [agent, auditor]) {
      const refused = await append(headers, entry);
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'AUTH_FORBIDDEN');
    }
    const anonymous = await append({}, entry);
    assert.equal(anonymous.statusCode, 401);
  });

  it('names the field at fault in a bad append', async () => {
    const bad = await append(service, { type: 'test.routes', source: 'nobody', payload: 1 });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'VALIDATION_FAILED');
    assert.ok(
      (bad.json().errors as { pointer: string }[]).some((e) => e.pointer === '/body/source'),
      bad.body,
    );
  });

  it('lets auditors read entries, checkpoints and proofs; agents may not read', async () => {
    const receipt = (await append(service, { type: 'test.routes', source: 'pgc', payload: { n: 2 } })).json();
    const entry = await app.inject({
      method: 'GET',
      url: `/api/v1/log/entries/${receipt.index}`,
      headers: auditor,
    });
    assert.equal(entry.statusCode, 200);
    assert.equal(entry.json().index, receipt.index);
    let checkpoint = await app.inject({ method: 'GET', url: '/api/v1/log/checkpoint', headers: auditor });
    for (
      let i = 0;
      i < 200 && (checkpoint.statusCode !== 200 || checkpoint.json().size <= receipt.index);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      checkpoint = await app.inject({ method: 'GET', url: '/api/v1/log/checkpoint', headers: auditor });
    }
    assert.equal(checkpoint.statusCode, 200);
    const proof = await app.inject({
      method: 'GET',
      url: `/api/v1/log/proofs/inclusion?index=${receipt.index}&size=${checkpoint.json().size}`,
      headers: auditor,
    });
    assert.equal(proof.statusCode, 200);
    assert.equal(proof.json().rootHash, checkpoint.json().rootHash);
    const refused = await app.inject({ method: 'GET', url: '/api/v1/log/checkpoint', headers: agent });
    assert.equal(refused.statusCode, 403);
    const publicKey = await app.inject({ method: 'GET', url: '/api/v1/log/public-key' });
    assert.equal(publicKey.statusCode, 200);
  });

  it('answers a missing entry and a size beyond the log with their catalogue codes', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/log/entries/999999', headers: auditor });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'LOG_ENTRY_NOT_FOUND');
    const beyond = await app.inject({
      method: 'GET',
      url: '/api/v1/log/proofs/consistency?from=1&to=999999',
      headers: auditor,
    });
    assert.equal(beyond.statusCode, 400);
    assert.equal(beyond.json().code, 'LOG_SIZE_UNAVAILABLE');
  });
});
