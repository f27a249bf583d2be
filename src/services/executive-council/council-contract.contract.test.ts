/**
 * One suite over both implementations of the council contract: in-process (`InProcessCouncil`)
 * and HTTP (`CouncilClient` against the council's routes, with a real access token of `svc-ac`
 * and `svc-pgc`, the services the routes admit, and of `svc-dgm` for variant adoptions). The council runs on its own tables with the
 * real constitution service (SQLite, local bus).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { serveModule } from '../../../test/support/contract-servers.js';
import { LOAD_PROOF_TIMEOUT_MS } from '../../../test/support/load-proof.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { CouncilContract, RatificationRequest } from '../../kernel/contracts/council.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { CouncilClient } from './client.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from './service.js';
import { councilMigrations } from './store.js';
import { seatMember } from './usecases/seat-member.js';
import { generateMemberKey } from './vote-payload.js';

const issuer = await createTestTokenIssuer();
const asPgc = await issuer.headers('svc-pgc', ['service'], 'service');
const asDgm = await issuer.headers('svc-dgm', ['service'], 'service');

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (ec: ExecutiveCouncilService, url: string) => CouncilContract,
])[] = [
  ['in-process', (ec) => ec.contract],
  [
    'http',
    (_ec, url) => new CouncilClient(url, { credentials: () => asPgc, timeoutMs: LOAD_PROOF_TIMEOUT_MS }),
  ],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`CouncilContract (${name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-council-contract-'));
    const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
    let context: ServiceContext;
    let ec: ExecutiveCouncilService;
    let app: FastifyInstance;
    let contract: CouncilContract;
    let bundleId: string;
    let url: string;

    before(async () => {
      context = await openTestServiceContext(
        database,
        dir,
        { ac: constitutionMigrations, ec: councilMigrations },
        'unit',
      );
      const ac = createConstitutionalAiService(context, { council: () => ec.contract });
      ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => undefined });
      await ac.start?.();
      const served = await serveModule(ec, issuer.authenticator, context.activeConstitution);
      app = served.app;
      url = served.url;
      contract = implementation(ec, url);
      bundleId = 'b'.repeat(64);
    });

    after(async () => {
      await app.close();
      await ec.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers no proposal for an unknown id, and not seated before any member', async () => {
      assert.equal(await contract.proposal('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'), undefined);
      assert.equal(await contract.proposal('not-a-uuid'), undefined);
      assert.equal(await contract.seated(), false);
    });

    it('is seated once a member is; a ratification opens an activate-narrowing-policies proposal bound to the bundle', async () => {
      await seatMember(
        ec.deps,
        { memberId: 'ann', displayName: 'Ann', publicKey: generateMemberKey().publicKey, weight: 2 },
        'admin',
      );
      assert.equal(await contract.seated(), true);
      const impact: RatificationRequest['impact'] = {
        fromBundleId: 'a'.repeat(64),
        impact: 'narrowing',
        detail: 'proved: no request is decided more permissively',
        classification: 'narrowing',
        changes: [{ from: 'allow', to: 'deny', kind: 'narrowing', example: { action: { type: 'refund' } } }],
      };
      const { proposalId } = await contract.proposeRatification({
        bundleId,
        activatedBy: 'admin',
        reason: 'fraud wave',
        impact,
      });
      // The verifier's verdict travels with the proposal, as an activation proposal's impact report.
      assert.deepEqual((await ec.deps.store.proposal(proposalId))?.content.impact, impact);
      const status = await contract.proposal(proposalId);
      assert.deepEqual(
        {
          kind: status?.kind,
          status: status?.status,
          contentHash: status?.contentHash,
          passed: status?.passedAt,
        },
        { kind: 'activate-narrowing-policies', status: 'open', contentHash: bundleId, passed: undefined },
      );
    });

    it('a variant adoption opens an adopt-variant proposal bound to the variant’s bundle id', async () => {
      const variantBundle = 'e'.repeat(64);
      // Over HTTP only the DGM's own identity may propose adoptions.
      const dgm =
        name === 'http'
          ? new CouncilClient(url, { credentials: () => asDgm, timeoutMs: LOAD_PROOF_TIMEOUT_MS })
          : contract;
      if (name === 'http')
        await assert.rejects(
          contract.proposeVariantAdoption({
            bundleId: variantBundle,
            runId: 'r',
            variantId: 'v1',
            summary: 's',
          }),
          /admits only the services svc-dgm/,
        );
      const { proposalId } = await dgm.proposeVariantAdoption({
        bundleId: variantBundle,
        runId: 'run-1',
        variantId: 'v12',
        summary: 'held-out accuracy 0.93 → 1',
      });
      const status = await contract.proposal(proposalId);
      assert.deepEqual(
        { kind: status?.kind, status: status?.status, contentHash: status?.contentHash },
        { kind: 'adopt-variant', status: 'open', contentHash: variantBundle },
      );
    });
  });
}
