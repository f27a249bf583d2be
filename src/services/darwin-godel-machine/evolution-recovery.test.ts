/**
 * Done-when 1, with the real pieces: the weakened example set (examples/evolution), the
 * service's evaluator, the formal verifier (Z3) and the council service on the example
 * constitution. A seeded run of 300 iterations finds an admissible variant that recovers at
 * least 90 % of the accuracy the weakening lost on the held-out split — which the search never
 * saw — and proposes it to the council as adopt-variant, bound to its bundle id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { examplePolicies, realVerifier, weakenedPolicies } from '../../../test/support/evolution-fixture.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from '../executive-council/service.js';
import { councilMigrations } from '../executive-council/store.js';
import { seatMember } from '../executive-council/usecases/seat-member.js';
import { generateMemberKey } from '../executive-council/vote-payload.js';
import { AdmissibilityGate } from './evaluation/admissibility-gate.js';
import { VariantEvaluator } from './evaluation/variant-evaluator.js';
import { archiveHash, bestAdmissible, lineageOf } from './search/archive.js';
import { continueSearch, DEFAULT_SEARCH, startSearch } from './search/evolution-search.js';
import { buildMutationMaterial } from './search/mutation-material.js';
import { DEFAULT_OPERATORS } from './search/operators.js';
import { proposeVariant } from './usecases/propose-variant.js';

/** The run's settings (also in docs/evolution.md, "The benchmark"). */
export const RECOVERY_RUN = { seed: 5, iterations: 300 } as const;

describe('evolution from the weakened example set (done-when 1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-dgm-recovery-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let ec: ExecutiveCouncilService | undefined;
  after(async () => {
    await ec?.stop?.();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers ≥ 90 % of the lost held-out accuracy with an admissible variant and proposes it', {
    timeout: 600_000,
  }, async () => {
    const context = await openTestServiceContext(
      database,
      dir,
      { ac: constitutionMigrations, ec: councilMigrations },
      'unit',
    );
    const ac = createConstitutionalAiService(context, { council: () => ec!.contract });
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => undefined });
    await ac.start?.();
    const version = await ac.contract.activeVersion();
    assert.ok(version !== undefined, 'the example constitution is published');
    await seatMember(
      ec.deps,
      { memberId: 'ann', displayName: 'Ann', publicKey: generateMemberKey().publicKey, weight: 1 },
      'admin',
    );

    const base = await weakenedPolicies();
    const evaluator = new VariantEvaluator(version.document, base);
    const compiled = evaluator.compile(base);
    assert.ok(compiled.ok);
    const { verifier } = realVerifier();
    const deps = {
      constitutionHash: version.hash,
      evaluator,
      admissibility: new AdmissibilityGate(verifier, version, 'svc-dgm'),
      material: buildMutationMaterial(version.document, compiled.policies, evaluator.suites.training),
      operators: DEFAULT_OPERATORS,
    };
    const started = performance.now();
    const state = await continueSearch(deps, await startSearch(deps, base, RECOVERY_RUN.seed), {
      ...DEFAULT_SEARCH,
      iterations: RECOVERY_RUN.iterations,
    });
    const seconds = (performance.now() - started) / 1000;

    const heldOut = (policies: readonly unknown[]) => {
      const c = evaluator.compile(policies);
      assert.ok(c.ok);
      return evaluator.heldOut(c.engine).accuracy;
    };
    const weakAccuracy = heldOut(base);
    const exampleAccuracy = heldOut(await examplePolicies());
    assert.equal(exampleAccuracy, 1);
    assert.ok(weakAccuracy < 0.85, `the weakening lost held-out accuracy (${weakAccuracy})`);
    const best = bestAdmissible(state.entries)!;
    assert.equal(best.status, 'admissible');
    assert.equal(best.verification?.status, 'proved');
    const recovered = (heldOut(best.policies as unknown[]) - weakAccuracy) / (exampleAccuracy - weakAccuracy);
    const path = lineageOf(state.entries, best.id).map((e) => `${e.id} ${e.operator ?? ''} ${e.note}`);
    console.log(
      `done-when 1: ${state.iteration} iterations in ${seconds.toFixed(1)} s, ${verifier.calls} verifier calls; best ${best.id}: training ${best.training!.correct}/${best.training!.total}, held-out ${weakAccuracy.toFixed(3)} → ${heldOut(best.policies as unknown[]).toFixed(3)}, recovered ${(recovered * 100).toFixed(0)} % of the loss; archive ${archiveHash(state.entries).slice(0, 16)}\n  ${path.join('\n  ')}`,
    );
    assert.ok(recovered >= 0.9, `recovered ${recovered}`);

    const proposal = await proposeVariant(ec.contract, 'recovery-run', state.entries, best.id);
    const status = await ec.contract.proposal(proposal.proposalId);
    assert.deepEqual(
      { kind: status?.kind, status: status?.status, contentHash: status?.contentHash },
      { kind: 'adopt-variant', status: 'open', contentHash: best.bundleId },
    );
  });
});
