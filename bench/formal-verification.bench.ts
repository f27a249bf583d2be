/**
 * Formal verification: the example's full report cold (Z3 loading included) and warm, one
 * invariant re-checked in a warm session (p50), a synthetic set of 200 policies with 20
 * invariants (invariants only; `--synthetic-full` adds conflicts, dead and shadowed policies),
 * peak RSS, and the p99 of a health route served by this process while a verification runs.
 * Baseline of the same run: checking and compiling the example policy set with the engine.
 * Prints the figures and writes bench/results/formal-verification.json; exits 1 when a target is missed.
 */
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

let t = performance.now();
const cold = await verifyPolicySet(input, { solver: z3Solver });
const coldMs = performance.now() - t;

// Warm, with a health route of this process polled all along.
const server = Fastify();
server.get('/health', async () => ({ ok: true }));
const address = await server.listen({ port: 0, host: '127.0.0.1' });
const healthTimes: number[] = [];
let verifying = true;
const poller = (async () => {
  while (verifying) {
    const s = performance.now();
    await (await fetch(`${address}/health`)).json();
    healthTimes.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 5));
  }
})();
t = performance.now();
const warm = await verifyPolicySet(input, { solver: z3Solver });
const warmMs = performance.now() - t;
verifying = false;
await poller;
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

const figures = {
  baselineCompileMs: baselineMs,
  exampleColdMs: Math.round(coldMs),
  exampleWarmMs: Math.round(warmMs),
  exampleWarmOverBaseline: Math.round(warmMs / baselineMs),
  exampleSummary: warm.summary,
  coldSummary: cold.summary,
  oneInvariantWarmP50Ms: Math.round(median(single) * 10) / 10,
  oneInvariantWarmP99Ms: Math.round(p(single, 0.99) * 10) / 10,
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
    p50Ms: Math.round(median(healthTimes) * 10) / 10,
    p99Ms: Math.round(p(healthTimes, 0.99) * 10) / 10,
  },
  load: (await import('node:os')).loadavg()[0],
};
const targets = {
  exampleColdUnder5s: figures.exampleColdMs < 5000,
  syntheticUnder30s: figures.synthetic.ms < 30_000,
  oneInvariantP50Under50ms: figures.oneInvariantWarmP50Ms < 50,
  healthP99Under50ms: figures.healthDuringVerification.p99Ms < 50,
};
console.log(JSON.stringify({ figures, targets }, null, 2));
writeReport('formal-verification', { figures, targets });
process.exit(Object.values(targets).every(Boolean) ? 0 : 1);
