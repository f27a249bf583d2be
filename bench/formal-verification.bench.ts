/**
 * Formal verification: the example's full report from `acgs verify` as a new process (start-up,
 * Z3 loading and the verifier's threads included; wall and CPU seconds), the same report in this
 * process on this thread (in-process) and on a warm worker thread, one invariant re-checked in a
 * warm session (p50), a synthetic set of 200 policies with 20 invariants (invariants only;
 * `--synthetic-full` adds conflicts, dead and shadowed policies), peak RSS, and the p99 of a
 * health route served by this process while a verification runs on the worker thread (and, for
 * comparison, while one runs in-process). Baseline of the same run: checking and compiling the
 * example policy set with the engine; the report figures are also given as ratios to it, which
 * is what to compare across runs on a shared machine.
 * Prints the figures and writes bench/results/formal-verification.json; exits 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { compilePolicySet, loadPolicies, parseVocabulary } from '../src/policy/index.js';
import { parseConstitutionText } from '../src/services/constitutional-ai/constitution-text.js';
import { checkInvariants } from '../src/services/formal-verification/analyses/invariant-analysis.js';
import { VerificationSession } from '../src/services/formal-verification/smt/verification-session.js';
import { z3Solver } from '../src/services/formal-verification/smt/z3-solver.js';
import {
  buildVerificationModel,
  type InvariantInput,
} from '../src/services/formal-verification/verification-model.js';
import { verifyPolicySet } from '../src/services/formal-verification/verify-policy-set.js';
import { WorkerVerifier } from '../src/services/formal-verification/worker/worker-verifier.js';
import { benchFile, flag, median, writeReport } from './support/bench-helpers.js';

const parsed = parseConstitutionText(
  readFileSync(benchFile(import.meta.url, '../../examples/constitution/constitution.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error('example constitution does not validate');
const doc = parsed.document;
const invariants: InvariantInput[] = doc.principles.flatMap((p) =>
  p.invariants.map((i) => ({ ...i, principleId: p.id })),
);
const policies = (await loadPolicies(benchFile(import.meta.url, '../../examples/constitution/policies')))
  .policies;
const input = { vocabulary: parsed.vocabulary, policies, defaultDecision: doc.defaultDecision, invariants };

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const p = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!;

// Baseline: the engine's own check + compile of the same set.
const compileTimes: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  compilePolicySet(policies, parsed.vocabulary, { defaultDecision: doc.defaultDecision });
  compileTimes.push(performance.now() - t);
}
const baselineMs = median(compileTimes);

// `acgs verify` as a user runs it: a new process, the CLI's start-up and Z3's included.
const cli = benchFile(import.meta.url, '../src/cli/main.js');
const cliRuns: { wallMs: number; cpuMs: number }[] = [];
for (let i = 0; i < flag('cli-runs', 3); i++) {
  const started = performance.now();
  const run = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'cpu %U %S',
      process.execPath,
      cli,
      'verify',
      benchFile(import.meta.url, '../../examples/constitution/policies'),
      '--constitution',
      benchFile(import.meta.url, '../../examples/constitution/constitution.yaml'),
    ],
    { encoding: 'utf8' },
  );
  const wallMs = performance.now() - started;
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
  if (run.status !== 0 || cpu === null) throw new Error(`acgs verify failed: ${run.stderr}`);
  if (!/22 proved, 0 violated, 0 unknown; 53 conflicts, 0 dead, 0 shadowed/.test(run.stdout))
    throw new Error(`unexpected report: ${run.stdout.split('\n').at(-2)}`);
  cliRuns.push({ wallMs, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 });
}
const cliWall = median(cliRuns.map((r) => r.wallMs));
const cliCpu = median(cliRuns.map((r) => r.cpuMs));

let t = performance.now();
const cold = await verifyPolicySet(input, { solver: z3Solver });
const coldMs = performance.now() - t;

// The health route of this process, polled while `work` runs.
const server = Fastify();
server.get('/health', async () => ({ ok: true }));
const address = await server.listen({ port: 0, host: '127.0.0.1' });
async function healthDuring<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; health: number[] }> {
  const health: number[] = [];
  let running = true;
  const poller = (async () => {
    while (running) {
      const s = performance.now();
      await (await fetch(`${address}/health`)).json();
      health.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  running = false;
  await poller;
  return { result, ms, health };
}

// Warm, on the service's worker thread (started and warmed by one verification first).
const threads = new WorkerVerifier(z3Solver.name, 1, 10); // as the service runs it
threads.start();
await threads.verify(input, {});
const onThread = await healthDuring(() => threads.verify(input, {}));
await threads.close();
const warm = onThread.result;
const warmMs = onThread.ms;
const healthTimes = onThread.health;
// For comparison: the same verification on this thread.
const inProcess = await healthDuring(() => verifyPolicySet(input, { solver: z3Solver }));
await server.close();

// One invariant, re-checked in a warm session.
const one = invariants.find((i) => i.id === 'finance.no-huge-refund')!;
const model = buildVerificationModel({ ...input, invariants: [one] });
const session = await VerificationSession.open(z3Solver, model.schema, model.definitions, {
  queryTimeoutMs: 5000,
  deadline: Date.now() + 600_000,
});
const single: number[] = [];
for (let i = 0; i < flag('single-runs', 30); i++) {
  const s = performance.now();
  const [result] = await checkInvariants(model, session, []);
  single.push(performance.now() - s);
  if (result?.status !== 'proved') throw new Error(`unexpected ${JSON.stringify(result)}`);
}
session.close();

// Synthetic: 10 action types × 20 policies, 20 invariants.
const synthVocabulary = parseVocabulary({
  attributes: {
    'principal.id': { type: 'string', required: true },
    'principal.type': 'string',
    'principal.roles': 'list<string>',
    'principal.level': 'int',
    'action.amount': 'double',
    'action.count': 'int',
    'resource.external': 'bool',
    'context.flagged': 'bool',
    'context.risk': 'double',
  },
});
const synthPolicies: unknown[] = [];
const synthInvariants: InvariantInput[] = [];
for (let a = 0; a < 10; a++) {
  for (let k = 0; k < 20; k++) {
    const effect = k % 4 === 0 ? 'deny' : k % 4 === 1 ? 'review' : 'allow';
    const limit = 100 * (k + 1);
    const condition =
      effect === 'deny'
        ? `has(action.amount) && action.amount > ${limit * 10}.0`
        : effect === 'review'
          ? `(has(context.flagged) && context.flagged) || (has(context.risk) && context.risk > 0.${(k % 9) + 1})`
          : `'role${k % 5}' in principal.roles && has(action.amount) && action.amount <= ${limit}.0 && principal.level >= ${k % 4}`;
    synthPolicies.push({ id: `a${a}.p${k}`, target: { actions: [`act${a}`] }, condition, effect });
  }
}
for (let a = 0; a < 10; a++) {
  synthInvariants.push(
    {
      principleId: 'synthetic',
      id: `inv${a}.amount`,
      when: `action.type == 'act${a}' && has(action.amount) && action.amount > 20000.0`,
      forbid: ['allow'],
      reason: 'large amounts',
    },
    {
      principleId: 'synthetic',
      id: `inv${a}.flagged`,
      when: `action.type == 'act${a}' && has(context.flagged) && context.flagged`,
      forbid: ['allow'],
      reason: 'flagged',
    },
  );
}
const full = process.argv.includes('--synthetic-full');
t = performance.now();
const synthetic = await verifyPolicySet(
  {
    vocabulary: synthVocabulary,
    policies: synthPolicies,
    defaultDecision: 'deny',
    invariants: synthInvariants,
  },
  { solver: z3Solver, invariantsOnly: !full },
);
const syntheticMs = performance.now() - t;
clearInterval(sampler);

const round = (x: number) => Math.round(x * 10) / 10;
const figures = {
  baselineCompileMs: round(baselineMs),
  acgsVerifyWallMs: Math.round(cliWall),
  acgsVerifyCpuMs: Math.round(cliCpu),
  acgsVerifyWallOverBaseline: Math.round(cliWall / baselineMs),
  exampleInProcessColdMs: Math.round(coldMs),
  exampleWarmOnThreadMs: Math.round(warmMs),
  exampleWarmOverBaseline: Math.round(warmMs / baselineMs),
  exampleSummary: warm.summary,
  coldSummary: cold.summary,
  oneInvariantWarmP50Ms: round(median(single)),
  oneInvariantWarmP99Ms: round(p(single, 0.99)),
  synthetic: {
    policies: synthPolicies.length,
    invariants: synthInvariants.length,
    full,
    ms: Math.round(syntheticMs),
    summary: synthetic.summary,
  },
  peakRssMb: Math.round(peakRss / 1024 / 1024),
  healthDuringVerification: {
    requests: healthTimes.length,
    p50Ms: round(median(healthTimes)),
    p99Ms: round(p(healthTimes, 0.99)),
  },
  healthDuringInProcessVerification: {
    requests: inProcess.health.length,
    p50Ms: round(median(inProcess.health)),
    p99Ms: round(p(inProcess.health, 0.99)),
  },
  load: (await import('node:os')).loadavg()[0],
};
const targets = {
  acgsVerifyUnder5s: figures.acgsVerifyWallMs < 5000,
  syntheticUnder30s: figures.synthetic.ms < 30_000,
  oneInvariantP50Under50ms: figures.oneInvariantWarmP50Ms < 50,
  healthP99Under50ms: figures.healthDuringVerification.p99Ms < 50,
};
console.log(JSON.stringify({ figures, targets }, null, 2));
writeReport('formal-verification', { figures, targets });
process.exit(Object.values(targets).every(Boolean) ? 0 : 1);
