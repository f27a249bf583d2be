/**
 * The Darwin Gödel Machine (issue 14, done-when 5): variant evaluations per second of the staged
 * evaluation (sample → training split → formal verifier only for a potential top entry) during a
 * seeded run on the weakened example set, against a baseline measured in the same run: one full,
 * unstaged evaluation of a variant (compile, every scenario of both splits, and the formal proof
 * of every invariant with Z3). Also the time of the whole run (300 iterations by default), one
 * run per seed, and per seed the share of the held-out accuracy lost by the weakening that its
 * best admissible variant recovers (done-when 1).
 *
 * Flags: --iterations 300, --seed 1 (the first seed), --seeds 5, --runs 3 (baseline repetitions).
 */
import { readFileSync } from 'node:fs';
import { constitutionalHashOf } from '../src/kernel/constitutional-hash.js';
import type { VerificationContract } from '../src/kernel/contracts/verification.js';
import { loadPolicies, parseVocabulary } from '../src/policy/index.js';
import { parseConstitutionText } from '../src/services/constitutional-ai/constitution-text.js';
import { AdmissibilityGate } from '../src/services/darwin-godel-machine/evaluation/admissibility-gate.js';
import { VariantEvaluator } from '../src/services/darwin-godel-machine/evaluation/variant-evaluator.js';
import { archiveHash, bestAdmissible } from '../src/services/darwin-godel-machine/search/archive.js';
import {
  continueSearch,
  DEFAULT_SEARCH,
  startSearch,
} from '../src/services/darwin-godel-machine/search/evolution-search.js';
import { buildMutationMaterial } from '../src/services/darwin-godel-machine/search/mutation-material.js';
import { DEFAULT_OPERATORS } from '../src/services/darwin-godel-machine/search/operators.js';
import { z3Solver } from '../src/services/formal-verification/smt/z3-solver.js';
import { verifyPolicySet } from '../src/services/formal-verification/verify-policy-set.js';
import { invariantsOf } from '../src/services/governance-synthesis/builtin/invariant-matcher.js';
import { benchFile, flag, median, writeReport } from './support/bench-helpers.js';

const ITERATIONS = flag('iterations', 300);
const SEED = flag('seed', 1);
const SEEDS = flag('seeds', 5);
const RUNS = flag('runs', 3);
const FILE = benchFile(import.meta.url, '../../examples/constitution/constitution.yaml');
const WEAKENED = benchFile(import.meta.url, '../../examples/evolution/weakened-policies');

const parsed = parseConstitutionText(readFileSync(FILE, 'utf8'), { file: FILE });
if (!parsed.ok) throw new Error('example constitution invalid');
const document = parsed.document;
const hash = constitutionalHashOf(document).hash;
const base = (await loadPolicies(WEAKENED)).policies.map((p) => p.policy);
// The real verifier behind the contract, uncached (the baseline must not hit a cache).
const verifier: VerificationContract = {
  verify: (request) =>
    verifyPolicySet(
      {
        vocabulary: parseVocabulary(document.vocabulary),
        policies: request.policies,
        defaultDecision: document.defaultDecision,
        invariants: invariantsOf(document),
      },
      { solver: z3Solver, invariantsOnly: true },
    ),
  classifyImpact: () => Promise.reject(new Error('the evolution bench does not classify impact')),
};
const evaluator = new VariantEvaluator(document, base);
await verifier.verify({ policies: base, constitutionHash: hash, invariantsOnly: true }); // load Z3 first

const baseline: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  const compiled = evaluator.compile(base);
  if (!compiled.ok) throw new Error('weakened set invalid');
  evaluator.evaluate(compiled.engine, 'training');
  evaluator.heldOut(compiled.engine);
  await verifier.verify({ policies: compiled.policies, constitutionHash: hash, invariantsOnly: true });
  baseline.push(performance.now() - started);
}

const compiled = evaluator.compile(base);
if (!compiled.ok) throw new Error('weakened set invalid');
const material = buildMutationMaterial(document, compiled.policies, evaluator.suites.training);
const heldOut = (policies: readonly unknown[]) => {
  const c = evaluator.compile(policies);
  if (!c.ok) throw new Error('variant invalid');
  return evaluator.heldOut(c.engine);
};
const weakAccuracy = heldOut(base).accuracy;
const exampleAccuracy = heldOut(
  (await loadPolicies(benchFile(import.meta.url, '../../examples/constitution/policies'))).policies.map(
    (p) => p.policy,
  ),
).accuracy;

// One full run per seed (no early stop): the run time, the staged rate, and done-when 1's figure.
const runs = [];
for (let seed = SEED; seed < SEED + SEEDS; seed++) {
  const gate = new AdmissibilityGate(verifier, { hash, document }, 'svc-dgm');
  const deps = {
    constitutionHash: hash,
    evaluator,
    admissibility: gate,
    material,
    operators: DEFAULT_OPERATORS,
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const state = await continueSearch(deps, await startSearch(deps, base, seed), {
    ...DEFAULT_SEARCH,
    iterations: ITERATIONS,
  });
  const runMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const evaluated = state.entries.filter((e) => e.status !== 'invalid' && e.status !== 'duplicate').length;
  const best = bestAdmissible(state.entries)!;
  const bestHeldOut = heldOut(best.policies as unknown[]);
  const statuses: Record<string, number> = {};
  for (const e of state.entries) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
  const run = {
    seed,
    runMs: Math.round(runMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    variantsEvaluated: evaluated,
    verifierCalls: gate.calls,
    stagedEvaluationsPerSecond: Number((evaluated / (runMs / 1000)).toFixed(2)),
    statuses,
    archiveHash: archiveHash(state.entries),
    best: { id: best.id, training: best.training, heldOut: bestHeldOut },
    recovered: Number(((bestHeldOut.accuracy - weakAccuracy) / (exampleAccuracy - weakAccuracy)).toFixed(3)),
  };
  runs.push(run);
  console.log(
    `evolution seed ${seed}: ${ITERATIONS} iterations in ${(runMs / 1000).toFixed(1)} s (${(run.cpuMs / 1000).toFixed(1)} s CPU), ${evaluated} variants, ${gate.calls} verifier calls; best ${best.id} training ${best.training!.correct}/${best.training!.total}, held-out ${weakAccuracy.toFixed(3)} → ${bestHeldOut.accuracy.toFixed(3)}: recovered ${(run.recovered * 100).toFixed(0)} % of the loss`,
  );
}
const stagedPerSecond = median(runs.map((r) => r.stagedEvaluationsPerSecond));
const unstagedPerSecond = 1000 / median(baseline);
const report = {
  iterations: ITERATIONS,
  seeds: runs.map((r) => r.seed),
  runs,
  medianRunMs: median(runs.map((r) => r.runMs)),
  recoveredAtLeast90: runs.filter((r) => r.recovered >= 0.9).length,
  stagedEvaluationsPerSecond: stagedPerSecond,
  baselineUnstagedEvaluationMs: Math.round(median(baseline)),
  baselineEvaluationsPerSecond: Number(unstagedPerSecond.toFixed(3)),
  stagedPerBaseline: Number((stagedPerSecond / unstagedPerSecond).toFixed(1)),
};
const path = writeReport('evolution', report);
console.log(
  `evolution: ${runs.length} seeds × ${ITERATIONS} iterations, median ${(report.medianRunMs / 1000).toFixed(1)} s a run; ${report.recoveredAtLeast90} of ${runs.length} recovered ≥ 90 % (${runs.map((r) => `${(r.recovered * 100).toFixed(0)} %`).join(', ')}); staged ${stagedPerSecond} variant evaluations/s (median) against one full unstaged evaluation (compile + both splits + Z3 proof) ${report.baselineUnstagedEvaluationMs} ms = ${report.baselineEvaluationsPerSecond}/s → ${report.stagedPerBaseline}×  [${path}]`,
);
process.exit(0);
