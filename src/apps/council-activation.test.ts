/**
 * Activation with a council seated, over the real constitution, integrity, PGC and council
 * services in one process (a throw-away SQLite database, the local bus). The formal verifier's
 * impact check is not on this branch yet, so the classifier is the one stand-in here: it says what
 * the verifier would have proved (docs/council.md §5). Shows: a direct activation is refused
 * unless narrowing with a reason; a narrowing one with a reason is activated, logged as
 * break-glass and raised to the council as a ratification proposal; and an activation on behalf of
 * a proposal that did not pass is refused by the PGC itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openTestServiceContext } from '../../test/support/service-context.js';
import type { ChangeImpact, ImpactClassifier } from '../kernel/contracts/policy-governance.js';
import { EVENT_TYPES, subjectOf } from '../kernel/events.js';
import type { ServiceModule } from '../kit/service-module.js';
import { loadPolicies } from '../policy/index.js';
import { createConstitutionalAiService } from '../services/constitutional-ai/service.js';
import { constitutionMigrations } from '../services/constitutional-ai/store.js';
import { createExecutiveCouncilService } from '../services/executive-council/service.js';
import { councilMigrations } from '../services/executive-council/store.js';
import { seatMember } from '../services/executive-council/usecases/seat-member.js';
import { generateMemberKey } from '../services/executive-council/vote-payload.js';
import { createIntegrityService } from '../services/integrity/service.js';
import { integrityMigrations } from '../services/integrity/store.js';
import { createPolicyGovernanceService } from '../services/policy-governance/service.js';
import { pgcMigrations } from '../services/policy-governance/store.js';
import {
  activateDirectly,
  activateForProposal,
} from '../services/policy-governance/usecases/council-activation.js';
import { createBundle } from '../services/policy-governance/usecases/create-bundle.js';
import { createDatabase } from '../storage/index.js';

const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));

describe('activation once a council is seated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-activation-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let verdict: ChangeImpact = 'widening';
  const classifier: ImpactClassifier = {
    classify: async () => ({ impact: verdict, detail: 'as the verifier would report it' }),
  };
  let modules: ServiceModule[] = [];
  let pgc: ReturnType<typeof createPolicyGovernanceService>;
  let ec: ReturnType<typeof createExecutiveCouncilService>;
  let bundleId: string;
  const breakGlass: unknown[] = [];
  let context: Awaited<ReturnType<typeof openTestServiceContext>>;
  let subscription: { stop(): Promise<void> } | undefined;

  before(async () => {
    context = await openTestServiceContext(
      database,
      dir,
      {
        ac: constitutionMigrations,
        integrity: integrityMigrations,
        pgc: pgcMigrations,
        ec: councilMigrations,
      },
      'unit',
    );
    const ac = createConstitutionalAiService(context, { council: () => ec.contract });
    const integrity = createIntegrityService(context);
    pgc = createPolicyGovernanceService(context, {
      constitution: ac.contract,
      integrity: integrity.contract,
      council: () => ec.contract,
      impact: classifier,
    });
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => pgc.contract });
    modules = [ac, integrity, pgc, ec];
    for (const m of modules) await m.start?.();
    subscription = await context.bus.subscribe({
      durable: 'test-break-glass',
      subjects: [subjectOf({ source: 'pgc', type: EVENT_TYPES.policyBundleBreakGlass })],
      handler: async (message) => {
        breakGlass.push(message.event.data);
        await message.ack();
      },
    });
    const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
    bundleId = (await createBundle(pgc.deps, { policies }, 'author')).bundle.id;
  });

  after(async () => {
    await subscription?.stop();
    for (const m of [...modules].reverse()) await m.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without a council the admin activates directly, as before', async () => {
    const activation = await activateDirectly(pgc.deps, bundleId, 'admin', undefined);
    assert.equal(activation.bundleId, bundleId);
    assert.equal('breakGlass' in activation, false);
  });

  test('with a council seated: widening or unproved is refused, reason or not', async () => {
    await seatMember(
      ec.deps,
      { memberId: 'ann', displayName: 'Ann', publicKey: generateMemberKey().publicKey, weight: 1 },
      'admin',
    );
    for (const impact of ['widening', 'unknown'] as const) {
      verdict = impact;
      await assert.rejects(
        activateDirectly(pgc.deps, bundleId, 'admin', 'emergency'),
        (error: { code: string; errors: { pointer: string }[] }) => {
          assert.equal(error.code, 'PGC_COUNCIL_REQUIRED');
          assert.equal(error.errors[0]!.pointer, '/params/id');
          return true;
        },
      );
    }
  });

  test('a narrowing activation needs a reason, then is activated, logged as break-glass and raised for ratification', async () => {
    verdict = 'narrowing';
    await assert.rejects(
      activateDirectly(pgc.deps, bundleId, 'admin', undefined),
      (error: { code: string; errors: { pointer: string }[] }) => {
        assert.equal(error.code, 'PGC_COUNCIL_REQUIRED');
        assert.equal(error.errors[0]!.pointer, '/body/reason');
        return true;
      },
    );
    const before = (await pgc.deps.store.active())!.generation;
    const activation = await activateDirectly(pgc.deps, bundleId, 'admin', 'deny all refunds: fraud wave');
    assert.equal(activation.generation, before + 1);
    const proposalId = activation.breakGlass?.ratificationProposalId;
    assert.ok(proposalId, 'a ratification proposal was raised');
    const proposal = await ec.deps.store.proposal(proposalId);
    assert.equal(proposal?.kind, 'activate-narrowing-policies');
    assert.equal(proposal?.status, 'open');
    assert.equal(proposal?.contentHash, bundleId);
    assert.deepEqual(proposal?.content.ratifies, {
      activatedBy: 'admin',
      reason: 'deny all refunds: fraud wave',
    });
    for (let i = 0; i < 100 && breakGlass.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(breakGlass, [
      {
        bundleId,
        previousBundleId: bundleId,
        activatedBy: 'admin',
        reason: 'deny all refunds: fraud wave',
        impact: 'narrowing',
        ratificationProposalId: proposalId,
      },
    ]);
  });

  test('an activation on behalf of a proposal that has not passed is refused by the PGC', async () => {
    const open = (await ec.deps.store.proposals({ status: 'open', limit: 1 }))[0]!;
    await assert.rejects(
      activateForProposal(pgc.deps, bundleId, { proposalId: open.id, enactedBy: 'council' }),
      {
        code: 'PGC_ENACTMENT_UNAUTHORIZED',
      },
    );
    await assert.rejects(
      activateForProposal(pgc.deps, bundleId, {
        proposalId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
        enactedBy: 'council',
      }),
      {
        code: 'PGC_ENACTMENT_UNAUTHORIZED',
      },
    );
  });
});
