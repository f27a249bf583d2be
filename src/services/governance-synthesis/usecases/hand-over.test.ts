/**
 * The handover of a synthesized set, over both implementations of the contracts it uses: the
 * PGC's and the council's in-process, and their HTTP clients against their real routes with a
 * real access token of `svc-gs` (the service those routes admit). The constitution, integrity,
 * PGC and council services run for real on one SQLite database with the local bus.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import { good } from '../../../../test/support/synthesis-candidates.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import type { CouncilContract } from '../../../kernel/contracts/council.js';
import type { PolicyGovernanceContract } from '../../../kernel/contracts/policy-governance.js';
import type { ServiceContext, ServiceModule } from '../../../kit/service-module.js';
import { createDatabase } from '../../../storage/index.js';
import { createConstitutionalAiService } from '../../constitutional-ai/service.js';
import { constitutionMigrations } from '../../constitutional-ai/store.js';
import { CouncilClient } from '../../executive-council/client.js';
import {
  createExecutiveCouncilService,
  type ExecutiveCouncilService,
} from '../../executive-council/service.js';
import { councilMigrations } from '../../executive-council/store.js';
import { seatMember } from '../../executive-council/usecases/seat-member.js';
import { generateMemberKey } from '../../executive-council/vote-payload.js';
import { createFormalVerificationService } from '../../formal-verification/service.js';
import { verificationMigrations } from '../../formal-verification/store.js';
import { createIntegrityService } from '../../integrity/service.js';
import { integrityMigrations } from '../../integrity/store.js';
import { PolicyGovernanceClient } from '../../policy-governance/client.js';
import { createPolicyGovernanceService } from '../../policy-governance/service.js';
import { pgcMigrations } from '../../policy-governance/store.js';
import { readPolicySet } from '../llm/policy-set-schema.js';
import type { JobRow } from '../store.js';
import { HandoverFailed, handOver } from './hand-over.js';
import type { JobResult } from './job-result.js';

const issuer = await createTestTokenIssuer();
const asSynthesis = await issuer.headers('svc-gs', ['service'], 'service');
const asPgc = await issuer.headers('svc-pgc', ['service'], 'service');
const auditor = await issuer.headers('audrey', ['auditor']);

interface Wired {
  readonly pgc: ReturnType<typeof createPolicyGovernanceService>;
  readonly ec: ExecutiveCouncilService;
  readonly pgcUrl: string;
  readonly ecUrl: string;
}

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (w: Wired, as: Record<string, string>) => { policies: PolicyGovernanceContract; council: CouncilContract },
])[] = [
  ['in-process', (w) => ({ policies: w.pgc.contract, council: w.ec.contract })],
  [
    'http',
    (w, as) => ({
      policies: new PolicyGovernanceClient(w.pgcUrl, { credentials: () => as }),
      council: new CouncilClient(w.ecUrl, { credentials: () => as }),
    }),
  ],
];

const policies = readPolicySet(JSON.stringify({ policies: good }));

function job(id: string): JobRow {
  return {
    id,
    status: 'running',
    stage: 'handover',
    progress: 0.9,
    provider: 'anthropic',
    constitution_hash: 'c'.repeat(64),
    request: '{}',
    result: null,
    error: null,
    attempts: 1,
    owner: 'gs-test',
    lease_until_ms: null,
    created_by: 'paula',
    created_ms: 0,
    updated_ms: 0,
  };
}

function result(jobId: string, set = policies): JobResult {
  return {
    provider: 'anthropic',
    model: 'scripted-a',
    rounds: 2,
    repairs: [],
    policies: set,
    report: {},
    provenance: {
      jobId,
      provider: 'anthropic',
      model: 'scripted-a',
      promptHash: 'a'.repeat(64),
      rounds: 2,
      requestedBy: 'paula',
      constitutionHash: 'c'.repeat(64),
      verification: { status: 'proved', proved: 22 },
    },
    candidates: [],
  };
}

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`synthesis handover (${name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-gs-handover-'));
    const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
    let context: ServiceContext;
    let modules: ServiceModule[] = [];
    let served: ServedModule[] = [];
    let wired: Wired;

    before(async () => {
      context = await openTestServiceContext(
        database,
        dir,
        {
          ac: constitutionMigrations,
          integrity: integrityMigrations,
          fv: verificationMigrations,
          pgc: pgcMigrations,
          ec: councilMigrations,
        },
        `gs-handover-${name}`,
      );
      let ec: ExecutiveCouncilService | undefined;
      const ac = createConstitutionalAiService(context, { council: () => ec!.contract });
      const integrity = createIntegrityService(context);
      const fv = createFormalVerificationService(context, () => ({
        constitution: ac.contract,
        integrity: integrity.contract,
      }));
      const pgc = createPolicyGovernanceService(context, {
        constitution: ac.contract,
        integrity: integrity.contract,
        council: () => ec!.contract,
        verification: fv.contract,
      });
      ec = createExecutiveCouncilService(context, {
        constitution: ac.contract,
        policies: () => pgc.contract,
      });
      modules = [ac, integrity, fv, pgc, ec];
      for (const m of modules) await m.start?.();
      served = [
        await serveModule(pgc, issuer.authenticator, context.activeConstitution),
        await serveModule(ec, issuer.authenticator, context.activeConstitution),
      ];
      wired = { pgc, ec, pgcUrl: served[0]!.url, ecUrl: served[1]!.url };
    });

    after(async () => {
      for (const s of served) await s.close();
      for (const m of [...modules].reverse()) await m.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('stores the set in the PGC as a bundle with its provenance, and proposes nothing unless asked', async () => {
      const deps = implementation(wired, asSynthesis);
      const handed = await handOver(deps, job('job-1'), {}, result('job-1'));
      assert.equal(handed.bundle?.created, true);
      assert.equal(handed.proposal, undefined);
      // Compared with the active set by the verifier: none is active, so against the default (deny).
      const impact = handed.impact;
      assert.ok(impact !== undefined && 'fromBundleId' in impact, JSON.stringify(impact));
      assert.equal(impact.fromBundleId, null);
      assert.equal(impact.impact, 'widening', impact.detail);
      assert.ok(impact.changes?.some((c) => c.to === 'allow'));
      const bundle = await served[0]!.app.inject({
        method: 'GET',
        url: `/api/v1/policies/bundles/${handed.bundle!.id}`,
        headers: auditor,
      });
      assert.equal(bundle.statusCode, 200);
      assert.equal(bundle.json().policies.length, policies.length);
      assert.equal(bundle.json().provenance.jobId, 'job-1');
      assert.equal(bundle.json().provenance.promptHash, 'a'.repeat(64));
      assert.equal(bundle.json().provenance.verification.proved, 22);
    });

    it('without a seated council a requested proposal fails, naming the bundle already stored', async () => {
      const deps = implementation(wired, asSynthesis);
      await assert.rejects(
        handOver(deps, job('job-2'), { propose: true }, result('job-2')),
        (error: unknown) =>
          error instanceof HandoverFailed &&
          /was stored, but the council did not take the proposal/.test(error.message) &&
          error.done.bundle !== undefined,
      );
    });

    it('opens an activate-policies proposal bound to the bundle, for the person who asked, via svc-gs', async () => {
      await seatMember(
        wired.ec.deps,
        { memberId: 'ann', displayName: 'Ann', publicKey: generateMemberKey().publicKey, weight: 1 },
        'admin',
      );
      const deps = implementation(wired, asSynthesis);
      const handed = await handOver(deps, job('job-3'), { propose: true }, result('job-3'));
      const status = await wired.ec.contract.proposal(handed.proposal!.id);
      assert.equal(status?.kind, 'activate-policies');
      assert.equal(status?.status, 'open');
      assert.equal(status?.contentHash, handed.bundle!.id);
      const proposal = await served[1]!.app.inject({
        method: 'GET',
        url: `/api/v1/council/proposals/${handed.proposal!.id}`,
        headers: auditor,
      });
      assert.equal(proposal.json().proposer, 'paula via svc-gs');
      assert.match(proposal.json().title, /job-3/);
      // The job resumed after a crash hands over again: the same bundle, the same open proposal.
      const again = await handOver(deps, job('job-3'), { propose: true }, result('job-3'));
      assert.equal(again.bundle?.id, handed.bundle!.id);
      assert.equal(again.proposal?.id, handed.proposal!.id);
    });

    if (name === 'http')
      it('the routes admit only the synthesis service', async () => {
        const other = implementation(wired, asPgc);
        await assert.rejects(other.policies.draftBundle({ policies, provenance: {} }), { status: 403 });
        await assert.rejects(
          other.council.proposeActivation({ bundleId: 'b'.repeat(64), title: 't', requestedBy: 'paula' }),
          { status: 403 },
        );
      });
  });
}
