/**
 * Activation with a council seated, over the real constitution, integrity, PGC, formal
 * verification (Z3) and council services in one process (a throw-away SQLite database, the local
 * bus). The verifier's impact analysis classifies each change (docs/council.md §5): a widening
 * bundle (a new allow where the default denied) is refused for break-glass and for an
 * `activate-narrowing-policies` proposal, with the verifier's example request; a narrowing one (a
 * new deny) is accepted for both, and with a reason activated, logged as break-glass and raised to
 * the council as a ratification proposal; with the verifier unreachable (its HTTP client against a
 * closed port) nothing is taken as narrowing and nothing is activated (503). An activation on
 * behalf of a proposal that did not pass is refused by the PGC itself.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EMERGENCY_DENY, SECOND_DENY, WIDER_ALLOW } from '../../test/support/impact-policies.js';
import { LOAD_PROOF_VERIFICATION_MS } from '../../test/support/load-proof.js';
import { openTestServiceContext } from '../../test/support/service-context.js';
import type { VerificationContract } from '../kernel/contracts/verification.js';
import { EVENT_TYPES, subjectOf } from '../kernel/events.js';
import type { ServiceModule } from '../kit/service-module.js';
import { loadPolicies } from '../policy/index.js';
import { createConstitutionalAiService } from '../services/constitutional-ai/service.js';
import { constitutionMigrations } from '../services/constitutional-ai/store.js';
import { createExecutiveCouncilService } from '../services/executive-council/service.js';
import { councilMigrations } from '../services/executive-council/store.js';
import { castVote } from '../services/executive-council/usecases/cast-vote.js';
import { openProposal } from '../services/executive-council/usecases/open-proposal.js';
import { seatMember } from '../services/executive-council/usecases/seat-member.js';
import { generateMemberKey, signVote } from '../services/executive-council/vote-payload.js';
import { VerificationClient } from '../services/formal-verification/client.js';
import { createFormalVerificationService } from '../services/formal-verification/service.js';
import { verificationMigrations } from '../services/formal-verification/store.js';
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
  // The verifier as the PGC reaches it: in-process, or (verifier down) its HTTP client against a closed port.
  let verifierDown = false;
  let dead: VerificationContract;
  let fv: ReturnType<typeof createFormalVerificationService>;
  const verification: VerificationContract = {
    verify: (request) => (verifierDown ? dead : fv.contract).verify(request),
    classifyImpact: (request) => (verifierDown ? dead : fv.contract).classifyImpact(request),
  };
  let modules: ServiceModule[] = [];
  let pgc: ReturnType<typeof createPolicyGovernanceService>;
  let ec: ReturnType<typeof createExecutiveCouncilService>;
  let bundleId: string;
  let narrowing: string;
  let widening: string;
  let narrowingProposal: string;
  let stricter: string;
  const annKey = generateMemberKey();
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
        fv: verificationMigrations,
      },
      'unit',
    );
    const ac = createConstitutionalAiService(context, { council: () => ec.contract });
    const integrity = createIntegrityService(context);
    pgc = createPolicyGovernanceService(context, {
      constitution: ac.contract,
      integrity: integrity.contract,
      council: () => ec.contract,
      verification,
    });
    fv = createFormalVerificationService(context, () => ({
      constitution: ac.contract,
      integrity: integrity.contract,
    }));
    dead = new VerificationClient(`http://127.0.0.1:${await closedPort()}`, () => ({}), 2000);
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => pgc.contract });
    modules = [ac, integrity, fv, pgc, ec];
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
    narrowing = (await createBundle(pgc.deps, { policies: [...policies, EMERGENCY_DENY] }, 'author')).bundle
      .id;
    widening = (await createBundle(pgc.deps, { policies: [...policies, WIDER_ALLOW] }, 'author')).bundle.id;
    stricter = (
      await createBundle(pgc.deps, { policies: [...policies, EMERGENCY_DENY, SECOND_DENY] }, 'author')
    ).bundle.id;
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

  test('with a council seated, the verifier proves the extra allow widening: refused for break-glass and for a narrowing proposal', async () => {
    await seatMember(
      ec.deps,
      { memberId: 'ann', displayName: 'Ann', publicKey: annKey.publicKey, weight: 1 },
      'admin',
    );
    const verdict = await pgc.contract.impactOf(widening);
    assert.equal(verdict.impact, 'widening');
    assert.equal(verdict.fromBundleId, bundleId);
    assert.match(verdict.detail, /decided deny before is decided allow/);
    assert.match(verdict.detail, /close_account/, 'the example request is the one the new policy allows');
    await assert.rejects(
      activateDirectly(pgc.deps, widening, 'admin', 'emergency'),
      (error: { code: string; errors: { pointer: string }[]; details: { impact: string } }) => {
        assert.equal(error.code, 'PGC_COUNCIL_REQUIRED');
        assert.equal(error.errors[0]!.pointer, '/params/id');
        assert.equal(error.details.impact, 'widening');
        return true;
      },
    );
    await assert.rejects(
      openProposal(
        ec.deps,
        { kind: 'activate-narrowing-policies', title: 'Not narrowing', content: { bundleId: widening } },
        'admin',
      ),
      { code: 'COUNCIL_NARROWING_UNPROVED' },
    );
    assert.equal((await pgc.deps.store.active())!.bundleId, bundleId, 'nothing was activated');
  });

  test('the verifier unreachable: nothing is taken as narrowing, nothing is activated (503)', async () => {
    verifierDown = true;
    try {
      const before = (await pgc.deps.store.active())!;
      await assert.rejects(activateDirectly(pgc.deps, narrowing, 'admin', 'emergency'), {
        code: 'PGC_VERIFIER_UNAVAILABLE',
        status: 503,
      });
      await assert.rejects(
        openProposal(
          ec.deps,
          { kind: 'activate-narrowing-policies', title: 'Verifier down', content: { bundleId: narrowing } },
          'admin',
        ),
        { code: 'PGC_VERIFIER_UNAVAILABLE' },
      );
      assert.deepEqual(await pgc.deps.store.active(), before);
      assert.equal((await ec.deps.store.proposals({ limit: 10 })).length, 0, 'no proposal was opened');
    } finally {
      verifierDown = false;
    }
  });

  test('a new deny is proved narrowing: a narrowing proposal opens; break-glass needs a reason, then activates, is logged and raised for ratification', async () => {
    const verdict = await pgc.contract.impactOf(narrowing);
    assert.equal(verdict.impact, 'narrowing', verdict.detail);
    assert.match(verdict.detail, /review → deny/);
    const proposed = await openProposal(
      ec.deps,
      { kind: 'activate-narrowing-policies', title: 'Deny the band', content: { bundleId: narrowing } },
      'admin',
    );
    assert.equal(proposed.status, 'open');
    const carried = proposed.content.impact as Record<string, unknown>;
    assert.deepEqual(
      [carried.impact, carried.classification, carried.fromBundleId, carried.detail],
      ['narrowing', 'narrowing', bundleId, verdict.detail],
      'the proposal carries the verifier’s impact report',
    );
    assert.ok(Array.isArray(carried.changes) && carried.changes.length > 0, 'with its example requests');
    narrowingProposal = proposed.id;
    await assert.rejects(
      activateDirectly(pgc.deps, stricter, 'admin', undefined),
      (error: { code: string; errors: { pointer: string }[] }) => {
        assert.equal(error.code, 'PGC_COUNCIL_REQUIRED');
        assert.equal(error.errors[0]!.pointer, '/body/reason');
        return true;
      },
    );
    const before = (await pgc.deps.store.active())!.generation;
    const activation = await activateDirectly(pgc.deps, stricter, 'admin', 'deny the band: fraud wave');
    assert.equal(activation.bundleId, stricter);
    assert.equal(activation.generation, before + 1);
    const proposalId = activation.breakGlass?.ratificationProposalId;
    assert.ok(proposalId, 'a ratification proposal was raised');
    const proposal = await ec.deps.store.proposal(proposalId);
    assert.equal(proposal?.kind, 'activate-narrowing-policies');
    assert.equal(proposal?.status, 'open');
    assert.equal(proposal?.contentHash, stricter);
    assert.deepEqual(proposal?.content.ratifies, {
      activatedBy: 'admin',
      reason: 'deny the band: fraud wave',
    });
    const impact = proposal?.content.impact as { fromBundleId: string; impact: string; changes: unknown[] };
    assert.equal(impact.fromBundleId, bundleId, 'the verdict is against the bundle it replaced');
    assert.equal(impact.impact, 'narrowing');
    assert.ok(impact.changes.length > 0, 'with its example requests');
    for (let i = 0; i < 100 && breakGlass.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(breakGlass, [
      {
        bundleId: stricter,
        previousBundleId: bundleId,
        activatedBy: 'admin',
        reason: 'deny the band: fraud wave',
        impact: 'narrowing',
        ratificationProposalId: proposalId,
      },
    ]);
  });

  test('a narrowing proposal that no longer narrows by its enactment (a stricter set became active) is refused and fails with the reason', async () => {
    const fields = {
      proposalId: narrowingProposal,
      contentHash: narrowing,
      choice: 'yes' as const,
      memberId: 'ann',
      time: new Date().toISOString(),
    };
    const cast = await castVote(ec.deps, { ...fields, signature: signVote(fields, annKey.privateKeyPem) });
    assert.equal(cast.proposal.status, 'queued', 'passed at once: no timelock for narrowing');
    let failed: Awaited<ReturnType<typeof ec.deps.store.proposal>>;
    // The enactment classifies the change with the solver: seconds when the cores are busy.
    for (const end = Date.now() + LOAD_PROOF_VERIFICATION_MS; Date.now() < end; ) {
      failed = await ec.deps.store.proposal(narrowingProposal);
      if (failed?.status !== 'queued') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(failed?.status, 'failed');
    assert.match(String(failed?.lastError), /passed as a narrowing change, but .* is widening/);
    assert.equal((await pgc.deps.store.active())!.bundleId, stricter, 'the stricter set stays active');
  });

  test('a passed proposal activates once: a repeat of its enactment (a second replica, a retry) moves nothing', async () => {
    await ec.scheduler.stop(); // the test enacts by hand, twice at once
    const proposal = await openProposal(
      ec.deps,
      {
        kind: 'activate-narrowing-policies',
        title: 'Keep the stricter set',
        content: { bundleId: stricter },
      },
      'admin',
    );
    const fields = {
      proposalId: proposal.id,
      contentHash: stricter,
      choice: 'yes' as const,
      memberId: 'ann',
      time: new Date().toISOString(),
    };
    await castVote(ec.deps, { ...fields, signature: signVote(fields, annKey.privateKeyPem) });
    const before = (await pgc.deps.store.active())!.generation;
    const enactment = { proposalId: proposal.id, enactedBy: 'svc-ec' };
    const [first, second] = await Promise.all([
      activateForProposal(pgc.deps, stricter, enactment),
      activateForProposal(pgc.deps, stricter, enactment),
    ]);
    assert.deepEqual([first.generation, second.generation], [before + 1, before + 1]);
    const pointer = (await pgc.deps.store.active())!;
    assert.deepEqual(
      [pointer.generation, pointer.activatedBy],
      [before + 1, `council:${proposal.id}`],
      'activated once, recorded as the proposal’s',
    );
    const again = await activateForProposal(pgc.deps, stricter, enactment);
    assert.equal(again.generation, before + 1);
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

  test('a retire-policy proposal opens only for a policy of the active bundle', async () => {
    const active = await pgc.contract.activeBundle();
    assert.equal(active?.id, (await pgc.deps.store.active())?.bundleId);
    const retire = (policyId: string) =>
      openProposal(ec.deps, { kind: 'retire-policy', title: 'Retire', content: { policyId } }, 'admin');
    await assert.rejects(
      retire('no.such-policy'),
      (error: { code: string; errors: { pointer: string; detail: string }[] }) => {
        assert.equal(error.code, 'COUNCIL_PROPOSAL_INVALID');
        assert.equal(error.errors[0]!.pointer, '/body/content/policyId');
        assert.match(error.errors[0]!.detail, /not a policy of the active bundle/);
        return true;
      },
    );
    const opened = await retire(active!.policyIds[0]!);
    assert.equal(opened.status, 'open');
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
