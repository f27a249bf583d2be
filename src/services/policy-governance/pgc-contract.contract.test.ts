/**
 * One suite over both implementations of the PGC contract the council enacts through: in-process
 * (`InProcessPolicyGovernance`) and HTTP (`PolicyGovernanceClient` against the PGC's routes with a
 * real access token of `svc-ec`). The PGC runs with the real constitution and integrity services
 * (SQLite, local bus). With no council wired, every enactment is refused by the PGC itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { serveModule } from '../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { PolicyGovernanceContract } from '../../kernel/contracts/policy-governance.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { loadPolicies } from '../../policy/index.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createIntegrityService } from '../integrity/service.js';
import { integrityMigrations } from '../integrity/store.js';
import { PolicyGovernanceClient } from './client.js';
import { createPolicyGovernanceService } from './service.js';
import { pgcMigrations } from './store.js';
import { createBundle } from './usecases/create-bundle.js';

const POLICY_DIR = fileURLToPath(new URL('../../../../examples/constitution/policies', import.meta.url));
const issuer = await createTestTokenIssuer();
const asCouncil = await issuer.headers('svc-ec', ['service'], 'service');
type Pgc = ReturnType<typeof createPolicyGovernanceService>;

const IMPLEMENTATIONS: readonly (readonly [string, (pgc: Pgc, url: string) => PolicyGovernanceContract])[] = [
  ['in-process', (pgc) => pgc.contract],
  ['http', (_pgc, url) => new PolicyGovernanceClient(url, { credentials: () => asCouncil })],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`PolicyGovernanceContract (${name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-contract-'));
    const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
    let context: ServiceContext;
    let modules: ServiceModule[] = [];
    let app: FastifyInstance;
    let contract: PolicyGovernanceContract;
    let bundleId: string;
    let policyIds: string[];

    before(async () => {
      context = await openTestServiceContext(
        database,
        dir,
        { ac: constitutionMigrations, integrity: integrityMigrations, pgc: pgcMigrations },
        'unit',
      );
      const ac = createConstitutionalAiService(context);
      const integrity = createIntegrityService(context);
      const pgc = createPolicyGovernanceService(context, {
        constitution: ac.contract,
        integrity: integrity.contract,
      });
      modules = [ac, integrity, pgc];
      for (const m of modules) await m.start?.();
      const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
      policyIds = policies.map((p) => String((p as { id: string }).id)).sort();
      bundleId = (await createBundle(pgc.deps, { policies }, 'author')).bundle.id;
      const served = await serveModule(pgc, issuer.authenticator, context.activeConstitution);
      app = served.app;
      contract = implementation(pgc, served.url);
    });

    after(async () => {
      await app.close();
      for (const m of [...modules].reverse()) await m.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads a bundle summary, and nothing for an unknown bundle', async () => {
      const summary = await contract.bundle(bundleId);
      assert.equal(summary?.id, bundleId);
      assert.deepEqual([...(summary?.policyIds ?? [])].sort(), policyIds);
      assert.equal(await contract.bundle('c'.repeat(64)), undefined);
    });

    it('answers the impact of a bundle over the active one (no verifier wired here: never narrowing), and 404 for an unknown bundle', async () => {
      const verdict = await contract.impactOf(bundleId);
      assert.deepEqual(
        { ...verdict, detail: typeof verdict.detail },
        { bundleId, fromBundleId: null, impact: 'unknown', detail: 'string' },
      );
      await assert.rejects(contract.impactOf('c'.repeat(64)), { code: 'PGC_BUNDLE_NOT_FOUND', status: 404 });
    });

    it('refuses to activate or retire for a proposal no council authorises, with the same coded error', async () => {
      const enactment = { proposalId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', enactedBy: 'council' };
      await assert.rejects(contract.activateForProposal(bundleId, enactment), {
        code: 'PGC_ENACTMENT_UNAUTHORIZED',
        status: 409,
      });
      await assert.rejects(contract.retireForProposal(policyIds[0]!, enactment), {
        code: 'PGC_ENACTMENT_UNAUTHORIZED',
        status: 409,
      });
    });
  });
}
