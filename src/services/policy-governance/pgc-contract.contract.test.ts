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
import { activateBundle } from './usecases/activate-bundle.js';
import { createBundle } from './usecases/create-bundle.js';

const POLICY_DIR = fileURLToPath(new URL('../../../../examples/constitution/policies', import.meta.url));
const issuer = await createTestTokenIssuer();
const asCouncil = await issuer.headers('svc-ec', ['service'], 'service');
const asSynthesis = await issuer.headers('svc-gs', ['service'], 'service');
type Pgc = ReturnType<typeof createPolicyGovernanceService>;
type Credentials = Record<string, string>;

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (pgc: Pgc, url: string, as: Credentials) => PolicyGovernanceContract,
])[] = [
  ['in-process', (pgc) => pgc.contract],
  ['http', (_pgc, url, as) => new PolicyGovernanceClient(url, { credentials: () => as })],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`PolicyGovernanceContract (${name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-contract-'));
    const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
    let context: ServiceContext;
    let modules: ServiceModule[] = [];
    let app: FastifyInstance;
    let contract: PolicyGovernanceContract;
    let synthesis: PolicyGovernanceContract;
    let policies: unknown[];
    let bundleId: string;
    let policyIds: string[];
    let pgcModule: Pgc;

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
      pgcModule = pgc;
      modules = [ac, integrity, pgc];
      for (const m of modules) await m.start?.();
      policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
      policyIds = policies.map((p) => String((p as { id: string }).id)).sort();
      bundleId = (await createBundle(pgc.deps, { policies }, 'author')).bundle.id;
      const served = await serveModule(pgc, issuer.authenticator, context.activeConstitution);
      app = served.app;
      contract = implementation(pgc, served.url, asCouncil);
      synthesis = implementation(pgc, served.url, asSynthesis);
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

    it('stores a synthesized set as a bundle with its provenance; the same content again is the stored bundle', async () => {
      const synthesized = policies.filter((p) => (p as { id: string }).id !== policyIds[0]);
      const provenance = { jobId: 'job-1', provider: 'anthropic', model: 'scripted', rounds: 2 };
      const drafted = await synthesis.draftBundle({ policies: synthesized, provenance });
      assert.equal(drafted.created, true);
      assert.match(drafted.bundleId, /^[0-9a-f]{64}$/);
      assert.notEqual(drafted.bundleId, bundleId);
      const summary = await contract.bundle(drafted.bundleId);
      assert.equal(summary?.policyIds.length, synthesized.length);
      const view = await app.inject({
        method: 'GET',
        url: `/api/v1/policies/bundles/${drafted.bundleId}`,
        headers: asCouncil,
      });
      assert.deepEqual(view.json().provenance, provenance);
      assert.equal(view.json().createdBy, 'svc-gs');
      const again = await synthesis.draftBundle({ policies: synthesized, provenance: { jobId: 'job-2' } });
      assert.deepEqual(again, { ...drafted, created: false });
      await assert.rejects(
        synthesis.draftBundle({ policies: [{ id: 'broken', condition: 'action.nope ==' }], provenance }),
        { code: 'PGC_POLICY_INVALID', status: 400 },
      );
      if (name === 'http')
        await assert.rejects(contract.draftBundle({ policies: synthesized, provenance }), {
          code: 'AUTH_FORBIDDEN',
          status: 403,
        });
    });

    it('reads the active bundle: nothing before an activation, its summary after', async () => {
      assert.equal(await contract.activeBundle(), undefined);
      await activateBundle(pgcModule.deps, bundleId, 'admin');
      const active = await contract.activeBundle();
      assert.equal(active?.id, bundleId);
      assert.deepEqual([...(active?.policyIds ?? [])].sort(), policyIds);
    });
  });
}
