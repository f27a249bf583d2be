/**
 * Policy engine benchmark (issue 3, done-criterion 4). In one run:
 *  - 200 policies over a 20-attribute vocabulary and 10 action types: p50/p99 per decision of
 *    the compiled engine, of @bufbuild/cel's interpreter on the same policies, and of
 *    @cedar-policy/cedar-wasm (`statefulIsAuthorized` on a pre-parsed equivalent policy set);
 *  - 10, 1,000 and 10,000 policies with 10 policies per action type: cost per decision must
 *    stay flat as the total grows.
 * Every request is also checked to get the same allow/not-allow answer from all three.
 * Prints a table, writes bench/results/policy-engine.json, exits 1 when a target is missed.
 * Usage: node dist/bench/policy-engine.bench.js [--quick]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { compilePolicySet, type PolicyEngine, parseVocabulary } from '../src/policy/index.js';
import { createReferenceDecider } from '../src/policy/reference-decider.js';
import { BENCH_VOCABULARY, type BenchRequest, makePolicies, makeRequests } from './policy-bench-workload.js';

const QUICK = process.argv.includes('--quick');
const TARGET_P99_US = 25;
const TARGET_VS_CEDAR = 10;
const TARGET_VS_INTERPRETER = 5;
/** p50 at 10,000 policies may be at most this many times p50 at 10 policies. */
const TARGET_FLATNESS = 2;

const vocabulary = parseVocabulary(BENCH_VOCABULARY);

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly samples: number;
}

/** Times `fn` once per call, `samples` calls cycling through `inputs`, after a warm-up. Microseconds. */
function measure<T>(inputs: readonly T[], samples: number, fn: (input: T) => unknown): Stats {
  const warm = Math.min(samples, 20_000);
  for (let i = 0; i < warm; i++) fn(inputs[i % inputs.length]!);
  const times = new Float64Array(samples);
  let sink = 0;
  for (let i = 0; i < samples; i++) {
    const input = inputs[i % inputs.length]!;
    const t0 = process.hrtime.bigint();
    const r = fn(input);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (r === undefined) sink++;
  }
  if (sink < 0) console.log(sink);
  times.sort();
  let total = 0;
  for (const t of times) total += t;
  const at = (q: number) => times[Math.min(samples - 1, Math.floor(q * samples))]!;
  return { p50: at(0.5), p99: at(0.99), mean: total / samples, samples };
}

function cedarDecider(policies: { cedar: string }[], id: string) {
  const prepared = cedar.preparsePolicySet(id, { staticPolicies: policies.map((p) => p.cedar).join('\n') });
  if (prepared.type !== 'success')
    throw new Error(`cedar rejected the policy set: ${JSON.stringify(prepared.errors)}`);
  return (r: BenchRequest) => {
    // biome-ignore lint/suspicious/noExplicitAny: the bench request's Cedar call is built to the StatefulAuthorizationCall shape
    const answer = cedar.statefulIsAuthorized({ ...(r.cedar as any), preparsedPolicySetId: id });
    if (answer.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`);
    return answer.response.decision;
  };
}

function main() {
  const rows: { name: string; value: string; target?: string; ok?: boolean }[] = [];
  const failures: string[] = [];
  const report: Record<string, unknown> = { node: process.version, cedar: cedar.getCedarVersion() };

  // 1. 200 policies, 10 action types, three engines.
  const policies = makePolicies(10, 20);
  const requests = makeRequests(2_000, 10);
  const engine = compilePolicySet(
    policies.map((p) => p.policy),
    vocabulary,
    { defaultDecision: 'deny' },
  );
  const reference = createReferenceDecider(engine.policies, vocabulary, 'deny');
  const bound = requests.map((r) => ({ type: r.request.action.type, bindings: reference.bind(r.request) }));
  const cedarDecide = cedarDecider(policies, 'bench200');

  let disagreements = 0;
  const decisions: Record<string, number> = {};
  requests.forEach((r, i) => {
    const ours = engine.decide(r.request).decision;
    const ref = reference.decideBound(bound[i]!.type, bound[i]!.bindings).decision;
    const ced = cedarDecide(r);
    decisions[ours] = (decisions[ours] ?? 0) + 1;
    if (ours !== ref || (ours === 'allow') !== (ced === 'allow')) disagreements++;
  });
  if (disagreements > 0) failures.push(`${disagreements} requests decided differently by the three engines`);

  const compiled = measure(requests, QUICK ? 100_000 : 400_000, (r) => engine.decide(r.request));
  const interpreter = measure(bound, QUICK ? 5_000 : 30_000, (b) =>
    reference.decideBound(b.type, b.bindings),
  );
  const cedarStats = measure(requests, QUICK ? 2_000 : 10_000, cedarDecide);
  const vsCedar = cedarStats.p50 / compiled.p50;
  const vsInterp = interpreter.p50 / compiled.p50;
  const us = (n: number) => `${n.toFixed(2)} µs`;
  rows.push({
    name: 'decisions agree (compiled/interpreter/cedar)',
    value: `${requests.length - disagreements}/${requests.length}`,
    target: 'all',
    ok: disagreements === 0,
  });
  rows.push({ name: 'decision mix (200 policies)', value: JSON.stringify(decisions) });
  rows.push({ name: 'compiled p50', value: us(compiled.p50) });
  rows.push({
    name: 'compiled p99',
    value: us(compiled.p99),
    target: `<= ${TARGET_P99_US} µs`,
    ok: compiled.p99 <= TARGET_P99_US,
  });
  rows.push({ name: 'compiled mean', value: us(compiled.mean) });
  rows.push({ name: 'interpreter p50 / p99', value: `${us(interpreter.p50)} / ${us(interpreter.p99)}` });
  rows.push({ name: 'cedar-wasm p50 / p99', value: `${us(cedarStats.p50)} / ${us(cedarStats.p99)}` });
  rows.push({
    name: 'speed-up vs cedar-wasm (p50)',
    value: `${vsCedar.toFixed(1)}×`,
    target: `>= ${TARGET_VS_CEDAR}×`,
    ok: vsCedar >= TARGET_VS_CEDAR,
  });
  rows.push({
    name: 'speed-up vs interpreter (p50)',
    value: `${vsInterp.toFixed(1)}×`,
    target: `>= ${TARGET_VS_INTERPRETER}×`,
    ok: vsInterp >= TARGET_VS_INTERPRETER,
  });
  rows.push({
    name: 'speed-up vs cedar-wasm (p99)',
    value: `${(cedarStats.p99 / compiled.p99).toFixed(1)}×`,
  });
  rows.push({
    name: 'speed-up vs interpreter (p99)',
    value: `${(interpreter.p99 / compiled.p99).toFixed(1)}×`,
  });
  if (compiled.p99 > TARGET_P99_US) failures.push(`compiled p99 ${us(compiled.p99)} > ${TARGET_P99_US} µs`);
  if (vsCedar < TARGET_VS_CEDAR) failures.push(`only ${vsCedar.toFixed(1)}× faster than cedar-wasm`);
  if (vsInterp < TARGET_VS_INTERPRETER)
    failures.push(`only ${vsInterp.toFixed(1)}× faster than the interpreter`);
  report.policies200 = {
    policies: 200,
    actionTypes: 10,
    vocabularyAttributes: 20,
    compiled,
    interpreter,
    cedar: cedarStats,
    vsCedar,
    vsInterp,
    disagreements,
    decisions,
  };

  // 2. Flatness: 10 policies per action type, 10 .. 10,000 policies in total.
  const scaling: Record<
    string,
    Stats & { policies: number; actionTypes: number; compileMs: number; spread: Stats }
  > = {};
  for (const total of [10, 1_000, 10_000]) {
    const actions = total / 10;
    const set = makePolicies(actions, 10, 7);
    const t0 = performance.now();
    const e: PolicyEngine = compilePolicySet(
      set.map((p) => p.policy),
      vocabulary,
    );
    const compileMs = performance.now() - t0;
    // Fixed mix: requests over (at most) 10 action types spread through the set, so only the total
    // changes. Then requests over every action type, where the working set itself grows.
    const width = Math.min(10, actions);
    const mix = Array.from({ length: width }, (_, j) => Math.floor((j * actions) / width));
    const samples = QUICK ? 100_000 : 300_000;
    const stats = measure(makeRequests(5_000, actions, 11, mix), samples, (r) => e.decide(r.request));
    const spread = measure(makeRequests(5_000, actions, 11), samples, (r) => e.decide(r.request));
    scaling[String(total)] = { ...stats, policies: total, actionTypes: actions, compileMs, spread };
    rows.push({
      name: `${total} policies, 10 per action: p50 / p99`,
      value: `${us(stats.p50)} / ${us(stats.p99)}  (compile ${compileMs.toFixed(0)} ms)`,
    });
    rows.push({
      name: `  requests over all ${actions} action types`,
      value: `${us(spread.p50)} / ${us(spread.p99)}`,
    });
  }
  const flatness = scaling['10000']!.p50 / scaling['10']!.p50;
  rows.push({
    name: 'p50 at 10,000 / p50 at 10 policies (fixed mix)',
    value: `${flatness.toFixed(2)}×`,
    target: `<= ${TARGET_FLATNESS}×`,
    ok: flatness <= TARGET_FLATNESS,
  });
  if (flatness > TARGET_FLATNESS)
    failures.push(`cost grows ${flatness.toFixed(2)}× from 10 to 10,000 policies`);
  report.scaling = { ...scaling, flatness };

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\npolicy engine benchmark (node ${process.version}, cedar ${String(report.cedar)})\n`);
  for (const r of rows) {
    const mark = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
    console.log(
      `${r.name.padEnd(width)}  ${r.value}${r.target === undefined ? '' : `  (target ${r.target})`}${mark}`,
    );
  }
  report.failures = failures;
  const out = join(dirname(fileURLToPath(import.meta.url)), '../../bench/results/policy-engine.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (failures.length > 0) {
    console.error(`\ntargets missed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
}

main();
