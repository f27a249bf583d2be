/**
 * Governance synthesis (issue 13, done-when 6, first part): the builtin synthesizer on the
 * example constitution with no policies, and the checking stage of a job, against a baseline
 * measured in the same run: compiling the hand-written example policy set and deciding every
 * scenario with it (the smallest real work a policy set's check needs). Median of `--runs`.
 * Done-when 1's figure: synthesis plus the formal proof of every invariant (Z3), under 10 s.
 * Done-when 6's second figure: a job's own cost per candidate without the model's time, as a
 * ratio to the time spent in the provider's client and to the baseline (synthesis-job-overhead.ts).
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
import { measureJobOverhead } from './synthesis-job-overhead.js';

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
// The job's own cost per candidate (1 and 5 candidates per job), without the model's time.
const COUNTS = [1, 5] as const;
const jobRuns = await measureJobOverhead(COUNTS, Math.max(3, RUNS));
const jobFigures = (candidates: number) => {
  const mine = jobRuns.filter((r) => r.candidates === candidates);
  return {
    wallMs: median(mine.map((r) => r.wallMs)),
    providerMs: median(mine.map((r) => r.providerMs)),
    overheadMs: median(mine.map((r) => r.wallMs - r.providerMs)),
    modelCalls: mine[0]!.modelCalls,
  };
};
const one = jobFigures(1);
const five = jobFigures(5);
const providerPerCandidate = five.providerMs / 5;
const overheadPerCandidate = five.overheadMs / 5;
// What one more candidate adds: the job's fixed cost (queue, constitution, stage writes) cancels out.
const marginalOverhead = (five.overheadMs - one.overheadMs) / 4;

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
  job: {
    note: 'OpenAI-compatible provider on a fake model on loopback that answers at once; no verifier (its proof per candidate is synthesisAndVerificationMs)',
    oneCandidate: {
      wallMs: round(one.wallMs),
      providerMs: round(one.providerMs),
      overheadMs: round(one.overheadMs),
    },
    fiveCandidates: {
      wallMs: round(five.wallMs),
      providerMs: round(five.providerMs),
      overheadMs: round(five.overheadMs),
      modelCalls: five.modelCalls,
    },
    providerMsPerCandidate: round(providerPerCandidate),
    overheadMsPerCandidate: round(overheadPerCandidate),
    marginalOverheadMsPerCandidate: round(marginalOverhead),
    overheadPerProvider: round(overheadPerCandidate / providerPerCandidate),
    marginalOverheadPerProvider: round(marginalOverhead / providerPerCandidate),
    overheadPerBaseline: round(overheadPerCandidate / median(baseline)),
  },
};
const path = writeReport('synthesis', report);
console.log(
  `synthesis + formal verification: ${report.synthesisAndVerificationMs} ms (${proved}/${report.invariants} invariants proved; target < 10000 ms)`,
);
console.log(
  `builtin synthesis of the example constitution: ${report.synthesisMs} ms (${policies} policies, ${unmet} scenarios unmet); checking stage ${report.checkingMs} ms; baseline (compile the example set + decide ${scenarios.length} scenarios) ${report.baselineCompileAndScenariosMs} ms → synthesis ${report.synthesisPerBaseline}×, checking ${report.checkingPerBaseline}×  [${path}]`,
);
console.log(
  `job overhead per candidate without the model's time: ${report.job.overheadMsPerCandidate} ms (5 candidates per job; one more candidate adds ${report.job.marginalOverheadMsPerCandidate} ms) against ${report.job.providerMsPerCandidate} ms in the provider's client per candidate → ${report.job.overheadPerProvider}× the provider's time (marginal ${report.job.marginalOverheadPerProvider}×), ${report.job.overheadPerBaseline}× the baseline`,
);
process.exit(unmet === 0 && proved === report.invariants && median(verification) < 10_000 ? 0 : 1);
