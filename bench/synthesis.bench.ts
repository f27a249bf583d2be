/**
 * Governance synthesis (issue 13, done-when 6, first part): the builtin synthesizer on the
 * example constitution with no policies, and the checking stage of a job, against a baseline
 * measured in the same run: compiling the hand-written example policy set and deciding every
 * scenario with it (the smallest real work a policy set's check needs). Median of `--runs`.
 * Done-when 1's figure: synthesis plus the formal proof of every invariant (Z3), under 10 s.
 *
 * Flags: --runs 5.
 */
import { readFileSync } from 'node:fs';
import { compilePolicySet, loadPolicies, parseVocabulary } from '../src/policy/index.js';
import { parseConstitutionText } from '../src/services/constitutional-ai/constitution-text.js';
import { z3Solver } from '../src/services/formal-verification/smt/z3-solver.js';
import { verifyPolicySet } from '../src/services/formal-verification/verify-policy-set.js';
import { synthesizeBuiltin } from '../src/services/governance-synthesis/builtin/builtin-synthesizer.js';
import { invariantsOf } from '../src/services/governance-synthesis/builtin/invariant-matcher.js';
import { checkCandidate } from '../src/services/governance-synthesis/usecases/check-candidate.js';
import { benchFile, flag, median, writeReport } from './support/bench-helpers.js';

const RUNS = flag('runs', 5);
const FILE = benchFile(import.meta.url, '../../examples/constitution/constitution.yaml');
const POLICIES = benchFile(import.meta.url, '../../examples/constitution/policies');

const parsed = parseConstitutionText(readFileSync(FILE, 'utf8'), { file: FILE });
if (!parsed.ok) throw new Error('example constitution invalid');
const document = parsed.document;
const example = await loadPolicies(POLICIES);
const scenarios = document.scenarioSuites.flatMap((s) => s.scenarios);

function time(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const baseline: number[] = [];
const synthesis: number[] = [];
const checking: number[] = [];
let policies = 0;
let unmet = 0;
for (let i = 0; i < RUNS; i++) {
  baseline.push(
    time(() => {
      const engine = compilePolicySet(example.policies, parseVocabulary(document.vocabulary), {
        defaultDecision: document.defaultDecision,
      });
      for (const s of scenarios) engine.decide(s.request);
    }),
  );
  let result: ReturnType<typeof synthesizeBuiltin> | undefined;
  synthesis.push(
    time(() => {
      result = synthesizeBuiltin(document);
    }),
  );
  policies = result!.policies.length;
  unmet = result!.unmetScenarios.length;
  checking.push(time(() => checkCandidate(document, result!.policies)));
}
const verification: number[] = [];
let proved = 0;
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const started = performance.now();
  const report = await verifyPolicySet(
    {
      vocabulary: parseVocabulary(document.vocabulary),
      policies: synthesizeBuiltin(document).policies,
      defaultDecision: document.defaultDecision,
      invariants: invariantsOf(document),
    },
    { solver: z3Solver, invariantsOnly: true },
  );
  verification.push(performance.now() - started);
  proved = report.summary.proved;
}
const round = (x: number) => Math.round(x * 10) / 10;
const report = {
  settings: { runs: RUNS },
  policies,
  unmetScenarios: unmet,
  synthesisMs: round(median(synthesis)),
  invariantsProved: proved,
  invariants: invariantsOf(document).length,
  synthesisAndVerificationMs: round(median(verification)),
  checkingMs: round(median(checking)),
  baselineCompileAndScenariosMs: round(median(baseline)),
  synthesisPerBaseline: round(median(synthesis) / median(baseline)),
  checkingPerBaseline: round(median(checking) / median(baseline)),
};
const path = writeReport('synthesis', report);
console.log(
  `synthesis + formal verification: ${report.synthesisAndVerificationMs} ms (${proved}/${report.invariants} invariants proved; target < 10000 ms)`,
);
console.log(
  `builtin synthesis of the example constitution: ${report.synthesisMs} ms (${policies} policies, ${unmet} scenarios unmet); checking stage ${report.checkingMs} ms; baseline (compile the example set + decide ${scenarios.length} scenarios) ${report.baselineCompileAndScenariosMs} ms → synthesis ${report.synthesisPerBaseline}×, checking ${report.checkingPerBaseline}×  [${path}]`,
);
process.exit(unmet === 0 && proved === report.invariants && median(verification) < 10_000 ? 0 : 1);
