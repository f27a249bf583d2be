/**
 * Done-when 1, with the real pieces: the weakened example set (examples/evolution), the
 * service's evaluator, the formal verifier (Z3) and the council service on the example
 * constitution. Seeded runs of at most 300 iterations find, for at least two of three seeds,
 * an admissible variant that recovers at least 90 % of the accuracy the weakening lost on the
 * held-out split — which the search never saw — and the first is proposed to the council as
 * adopt-variant, bound to its bundle id.
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

/**
 * The runs' settings (also in docs/evolution.md, "The benchmark"): seeds of at most 300
 * iterations each; a run stops early once its best admissible variant decides every training
 * scenario right (nothing is left for it to gain). Three seeds here, to stay within a minute of
 * CPU; `bench/evolution.bench.ts` runs five full runs and reports each seed's recovery.
 */
export const RECOVERY_RUNS = { seeds: [1, 2, 3], iterations: 300, mustRecover: 2 } as const;

describe('evolution from the weakened example set (done-when 1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-dgm-recovery-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let ec: ExecutiveCouncilService | undefined;
  after(async () => {
    await ec?.stop?.();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers ≥ 90 % of the lost held-out accuracy with an admissible variant for 2 of 3 seeds, and proposes it', {
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
    const heldOut = (policies: readonly unknown[]) => {
      const c = evaluator.compile(policies);
      assert.ok(c.ok);
      return evaluator.heldOut(c.engine).accuracy;
    };
    const weakAccuracy = heldOut(base);
    const exampleAccuracy = heldOut(await examplePolicies());
    assert.equal(exampleAccuracy, 1);
    assert.ok(weakAccuracy < 0.85, `the weakening lost held-out accuracy (${weakAccuracy})`);

    const runs = [];
    for (const seed of RECOVERY_RUNS.seeds) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      let state = await startSearch(deps, base, seed);
      let perfect = false;
      state = await continueSearch(
        {
          ...deps,
          checkpoint: async (next) => {
            const best = bestAdmissible(next.entries);
            perfect = best !== undefined && best.training!.correct === best.training!.total;
          },
          shouldStop: () => perfect,
        },
        state,
        { ...DEFAULT_SEARCH, iterations: RECOVERY_RUNS.iterations },
      );
      const used = process.cpuUsage(cpu);
      const best = bestAdmissible(state.entries)!;
      assert.equal(best.status, 'admissible');
      assert.equal(best.verification?.status, 'proved');
      const accuracy = heldOut(best.policies as unknown[]);
      const recovered = (accuracy - weakAccuracy) / (exampleAccuracy - weakAccuracy);
      runs.push({ seed, state, best, recovered });
      console.log(
        `done-when 1, seed ${seed}: ${state.iteration} iterations in ${((performance.now() - started) / 1000).toFixed(1)} s (${((used.user + used.system) / 1e6).toFixed(1)} s CPU); best ${best.id}: training ${best.training!.correct}/${best.training!.total}, held-out ${weakAccuracy.toFixed(3)} → ${accuracy.toFixed(3)}, recovered ${(recovered * 100).toFixed(0)} % of the loss; archive ${archiveHash(state.entries).slice(0, 16)}`,
      );
    }
    const recovering = runs.filter((r) => r.recovered >= 0.9);
    assert.ok(
      recovering.length >= RECOVERY_RUNS.mustRecover,
      `recovered: ${runs.map((r) => `seed ${r.seed} ${(r.recovered * 100).toFixed(0)} %`).join(', ')}`,
    );
    const { state, best } = recovering[0]!;
    const path = lineageOf(state.entries, best.id).map((e) => `${e.id} ${e.operator ?? ''} ${e.note}`);
    console.log(`  lineage of ${best.id}:\n  ${path.join('\n  ')}`);

    const proposal = await proposeVariant(ec.contract, 'recovery-run', state.entries, best.id);
    const status = await ec.contract.proposal(proposal.proposalId);
    assert.deepEqual(
      { kind: status?.kind, status: status?.status, contentHash: status?.contentHash },
      { kind: 'adopt-variant', status: 'open', contentHash: best.bundleId },
    );
  });
});
