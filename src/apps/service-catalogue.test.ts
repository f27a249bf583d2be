/** The wiring table: in-process contracts where the provider runs here, HTTP clients otherwise. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { startFakeModelServer } from '../../test/support/fake-model-server.js';
import { openTestServiceContext } from '../../test/support/service-context.js';
import { SERVICE_NAMES } from '../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../kit/service-module.js';
import { HttpApiKeyResolver, HttpVerificationKeySource } from '../services/auth/client.js';
import { CachingApiKeyResolver } from '../services/auth/usecases/resolve-api-key.js';
import { ConstitutionClient } from '../services/constitutional-ai/client.js';
import type { DarwinGodelMachineService } from '../services/darwin-godel-machine/service.js';
import { CouncilClient } from '../services/executive-council/client.js';
import { VerificationClient } from '../services/formal-verification/client.js';
import { PolicyChangeClient } from '../services/governance-synthesis/client.js';
import { IntegrityClient } from '../services/integrity/client.js';
import { InProcessIntegrity } from '../services/integrity/log-contract.js';
import { PolicyGovernanceClient } from '../services/policy-governance/client.js';
import { createDatabase, type Database } from '../storage/index.js';
import { PROVIDER_OF, SERVICE_CATALOGUE, wireServices } from './service-catalogue.js';
import { SERVICE_MIGRATIONS } from './service-migrations.js';

function dgmOf(modules: readonly ServiceModule[]): DarwinGodelMachineService {
  return modules.find((m) => m.descriptor.name === 'dgm') as DarwinGodelMachineService;
}

describe('wireServices', () => {
  let dir: string;
  let database: Database;
  let context: ServiceContext;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-wiring-'));
    database = createDatabase(`sqlite:${join(dir, 'a.db')}`);
    context = await openTestServiceContext(database, dir, SERVICE_MIGRATIONS, 'wiring-test');
  });
  after(async () => {
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has one entry per service, and every contract is provided by a service that says so', () => {
    assert.deepEqual(Object.keys(SERVICE_CATALOGUE).sort(), [...SERVICE_NAMES].sort());
    for (const provider of Object.values(PROVIDER_OF)) {
      assert.ok('provides' in SERVICE_CATALOGUE[provider], `${provider} provides a contract`);
    }
  });

  it('a consumer alone reaches every contract over HTTP', () => {
    const wired = wireServices(['gs'], { ...context, metrics: new Registry() });
    assert.deepEqual(
      wired.modules.map((m) => m.descriptor.name),
      ['gs'],
    );
    assert.ok(wired.contracts.verification instanceof VerificationClient);
    assert.ok(wired.contracts.council instanceof CouncilClient);
    assert.ok(wired.contracts.policyGovernance instanceof PolicyGovernanceClient);
    assert.equal(wired.local.size, 0);
    assert.ok(wired.contracts.constitution instanceof ConstitutionClient);
    assert.ok(wired.contracts.integrity instanceof IntegrityClient);
    assert.ok(wired.contracts.authentication.keys instanceof HttpVerificationKeySource);
    assert.ok(wired.contracts.authentication.apiKeys instanceof CachingApiKeyResolver);
    assert.ok(!(wired.contracts.authentication.apiKeys instanceof HttpApiKeyResolver));
  });

  it('all eight in one process use the in-process contracts, modules in the order asked', () => {
    const names = [...SERVICE_NAMES].reverse();
    const wired = wireServices(names, { ...context, metrics: new Registry() });
    assert.deepEqual(
      wired.modules.map((m) => m.descriptor.name),
      names,
    );
    assert.deepEqual([...wired.local].sort(), [
      'authentication',
      'constitution',
      'council',
      'integrity',
      'policyGovernance',
      'verification',
    ]);
    assert.ok(wired.contracts.integrity instanceof InProcessIntegrity);
    assert.ok(!(wired.contracts.constitution instanceof ConstitutionClient));
    // No chat model configured: no model-proposed changes, the DGM keeps its built-in operators.
    assert.equal(wired.contracts.policyChange, undefined);
    assert.ok(!dgmOf(wired.modules).operators.includes('model-proposal'));
  });

  it('synthesis with a model hands the DGM its change proposer in-process', async () => {
    const fake = await startFakeModelServer();
    const env = {
      ACGS_SYNTHESIS_OPENAI_BASE_URL: fake.baseUrl('openai'),
      ACGS_SYNTHESIS_OPENAI_MODEL: 'scripted-o',
    };
    Object.assign(process.env, env);
    try {
      const wired = wireServices(['gs', 'dgm'], { ...context, metrics: new Registry() });
      assert.ok(wired.local.has('policyChange'));
      assert.ok(wired.contracts.policyChange !== undefined);
      assert.ok(!(wired.contracts.policyChange instanceof PolicyChangeClient));
      assert.ok(dgmOf(wired.modules).operators.includes('model-proposal'));
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      await fake.close();
    }
  });

  it('a DGM alone reaches synthesis over HTTP only where its URL is set', () => {
    const alone = wireServices(['dgm'], { ...context, metrics: new Registry() });
    assert.equal(alone.contracts.policyChange, undefined);
    assert.ok(!dgmOf(alone.modules).operators.includes('model-proposal'));
    const config = { ...context.config, configuredServiceUrls: new Set(['gs'] as const) };
    const remote = wireServices(['dgm'], { ...context, config, metrics: new Registry() });
    assert.ok(remote.contracts.policyChange instanceof PolicyChangeClient);
    assert.ok(dgmOf(remote.modules).operators.includes('model-proposal'));
  });
});
