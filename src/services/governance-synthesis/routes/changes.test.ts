/**
 * The PolicyChangeContract over HTTP (distributed mode): the synthesis service's real route on
 * the real kit with real access tokens, the HTTP client the DGM uses, and the official OpenAI SDK
 * against a scripted OpenAI-compatible server. Only the DGM's service identity is answered; a
 * synthesis service without a model provides no contract and its route refuses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { type FakeModelServer, startFakeModelServer } from '../../../../test/support/fake-model-server.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import {
  exampleConstitutionContract,
  exampleVersion,
  good,
} from '../../../../test/support/synthesis-candidates.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import { PlatformError } from '../../../kernel/errors.js';
import type { ServiceContext } from '../../../kit/service-module.js';
import { createDatabase } from '../../../storage/index.js';
import { PolicyChangeClient } from '../client.js';
import { createGovernanceSynthesisService, type GovernanceSynthesisService } from '../service.js';
import { synthesisMigrations } from '../store.js';

const issuer = await createTestTokenIssuer();
const asDgm = await issuer.headers('svc-dgm', ['service'], 'service');
const asPgc = await issuer.headers('svc-pgc', ['service'], 'service');
const author = await issuer.headers('paula', ['policy_author']);
const settings = { capacity: 2, leaseMs: 60_000, maxAttempts: 3 };
const request = {
  constitutionHash: exampleVersion.hash,
  policies: good,
  failures: [{ request: { action: 'read' }, expected: 'deny' as const, got: 'allow' as const }],
};

async function serveSynthesis(
  name: string,
  env: Record<string, string>,
): Promise<{ service: GovernanceSynthesisService; served: ServedModule; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-gs-changes-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  const context: ServiceContext = await openTestServiceContext(
    database,
    dir,
    { gs: synthesisMigrations },
    name,
  );
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let service: GovernanceSynthesisService;
  try {
    service = createGovernanceSynthesisService(context, {
      constitution: exampleConstitutionContract,
      settings,
    });
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
  }
  const served = await serveModule(service, issuer.authenticator, context.activeConstitution);
  return {
    service,
    served,
    async close() {
      await served.close();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('POST /api/v1/synthesis/changes', () => {
  let fake: FakeModelServer;
  let withModel: Awaited<ReturnType<typeof serveSynthesis>>;
  let withoutModel: Awaited<ReturnType<typeof serveSynthesis>>;
  before(async () => {
    fake = await startFakeModelServer();
    withModel = await serveSynthesis('gs-changes-model', {
      ACGS_SYNTHESIS_OPENAI_BASE_URL: fake.baseUrl('openai'),
      ACGS_SYNTHESIS_OPENAI_MODEL: 'scripted-o',
    });
    withoutModel = await serveSynthesis('gs-changes-none', {});
  });
  after(async () => {
    await withModel.close();
    await withoutModel.close();
    await fake.close();
  });

  it('answers the DGM with the model’s whole set, through the HTTP client', async () => {
    assert.ok(withModel.service.changes !== undefined);
    fake.script = [{ content: JSON.stringify({ policies: good.slice(1) }) }];
    const before = fake.seen.length;
    const client = new PolicyChangeClient(withModel.served.url, () => asDgm);
    const proposal = await client.proposeChange(request, new AbortController().signal);
    assert.equal(proposal.provider, 'openai');
    assert.equal(proposal.model, 'scripted-o');
    assert.equal(proposal.policies.length, good.length - 1);
    assert.equal(fake.seen.length, before + 1);
    assert.match(fake.seen.at(-1)!.body.messages.at(-1)!.content, /decides wrongly/);
  });

  it('refuses every other caller: another service, a person, no credential', async () => {
    const before = fake.seen.length;
    for (const [headers, status] of [
      [asPgc, 403],
      [author, 403],
      [{}, 401],
    ] as const) {
      const answer = await withModel.served.app.inject({
        method: 'POST',
        url: '/api/v1/synthesis/changes',
        headers,
        payload: request,
      });
      assert.equal(answer.statusCode, status, answer.body);
    }
    const refused = await new PolicyChangeClient(withModel.served.url, () => asPgc)
      .proposeChange(request, new AbortController().signal)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof PlatformError && refused.status === 403);
    assert.equal(fake.seen.length, before, 'no refused request reached the model');
  });

  it('without a model: no contract, and the route answers 422', async () => {
    assert.equal(withoutModel.service.changes, undefined);
    const answer = await withoutModel.served.app.inject({
      method: 'POST',
      url: '/api/v1/synthesis/changes',
      headers: asDgm,
      payload: request,
    });
    assert.equal(answer.statusCode, 422, answer.body);
    assert.equal(answer.json().code, 'SYNTHESIS_PROVIDER_UNAVAILABLE');
  });

  it('a client whose signal aborts rejects at once', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stopped'));
    const client = new PolicyChangeClient(withModel.served.url, () => asDgm);
    await assert.rejects(client.proposeChange(request, abort.signal), /stopped/);
  });
});
