/**
 * Where a decision's CPU goes, stage by stage (issue 18, done-when 5): `acgs up` runs under
 * `node --cpu-prof`, the load generator drives one phase after another (the liveness route, then
 * synchronous, asynchronous and batched decisions), and the profile's samples inside each phase's
 * time window are attributed to guard, body, decide, log, the rest of HTTP handling, and GC
 * (bench/support/cpu-profile-stages.ts). Figures are microseconds of the server's main thread per
 * request (per decision for the batch).
 *
 * With BENCH_BEFORE_TREE=<a checkout with its dist built> the same phases run against that build
 * too, alternating with this one round by round, so before and after come from one run.
 * Env: BENCH_ROUNDS (1), BENCH_SECONDS (5), BENCH_CONNECTIONS (64).
 * Nothing is instrumented in the product: with the profiler off the code runs as always.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startAcgs } from '../test/support/platform-process.js';
import { cpuSecondsOf, median, runLoad, writeReport } from './support/bench-helpers.js';
import { monotonicUs, STAGES, type Stage, stageTimes } from './support/cpu-profile-stages.js';
import { embeddedBenchEnv, prepareDecisionWorkload } from './support/pgc-platform.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THIS_TREE = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

const PHASES = ['live', 'sync', 'async', 'batch'] as const;
type Phase = (typeof PHASES)[number];
type Breakdown = Record<Stage | 'total', number>;

interface Window {
  readonly from: number;
  readonly to: number;
  /** Requests answered (decisions, for the batch phase). */
  readonly units: number;
}

/** Waits until the process uses less than 5 % of a core over 250 ms (at most 15 s). */
async function quiet(pid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = cpuSecondsOf(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuSecondsOf(pid);
    if (now - last < 0.0125) return;
    last = now;
  }
}

async function profileBuild(tree: string): Promise<Record<Phase, Breakdown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-stages-'));
  const profileDir = join(dataDir, 'profile');
  const platform = await startAcgs(
    ['up'],
    {
      ...embeddedBenchEnv(join(dataDir, 'data'), await freePort()),
      // The liveness phase comes from one address: counted as always, never refused.
      ACGS_RATE_LIMIT_PER_MINUTE: '100000000',
      ACGS_RATE_LIMIT_BURST: '100000000',
    },
    120_000,
    {
      cli: join(tree, 'dist', 'src', 'cli', 'main.js'),
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    },
  );
  const windows = {} as Record<Phase, Window>;
  try {
    const url = platform.url;
    const workload = await prepareDecisionWorkload(url);
    const batchBody = JSON.stringify({
      requests: Array.from({ length: 1000 }, (_, i) => workload.scenarios[i % workload.scenarios.length]),
    });
    const phaseOptions = (phase: Phase) => {
      switch (phase) {
        case 'live':
          return { url: `${url}/health/live`, connections: CONNECTIONS };
        case 'sync':
          return { url, connections: CONNECTIONS, requests: workload.requests() };
        case 'async':
          return {
            url,
            connections: CONNECTIONS,
            requests: workload.requests('/api/v1/decisions?mode=async'),
          };
        case 'batch':
          return {
            url: `${url}/api/v1/decisions/batch`,
            method: 'POST' as const,
            connections: 16,
            headers: workload.headers,
            body: batchBody,
          };
      }
    };
    await runLoad({ ...phaseOptions('sync'), duration: 2 });
    await quiet(platform.child.pid!);
    for (const phase of PHASES) {
      const from = monotonicUs();
      const result = await runLoad({ ...phaseOptions(phase), duration: SECONDS });
      // The phase's work includes what it left behind (log appends of asynchronous decisions,
      // review tasks): the window ends when the server has gone quiet.
      await quiet(platform.child.pid!);
      const to = monotonicUs();
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${phase}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      windows[phase] = { from, to, units: result.total * (phase === 'batch' ? 1000 : 1) };
    }
  } finally {
    await platform.terminate();
  }
  const profiles = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  // The main thread's profile is the largest (worker threads, if any, write their own).
  const main = profiles
    .map((f) => join(profileDir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (main === undefined) throw new Error(`no CPU profile written in ${profileDir}`);
  const out = {} as Record<Phase, Breakdown>;
  for (const phase of PHASES) {
    const w = windows[phase];
    const times = stageTimes(main, w.from, w.to);
    if (process.env.BENCH_TOP)
      log(`${phase} top functions (µs in the phase): ${JSON.stringify(times.top, null, 1)}`);
    const perUnit = (us: number) => Math.round((us / w.units) * 100) / 100;
    out[phase] = {
      ...(Object.fromEntries(STAGES.map((s) => [s, perUnit(times.stages[s])])) as Record<Stage, number>),
      total: perUnit(times.busyUs),
    };
  }
  if (process.env.BENCH_KEEP_PROFILE) log(`profile kept: ${main}`);
  else rmSync(dataDir, { recursive: true, force: true });
  return out;
}

const builds: { name: 'before' | 'after'; tree: string }[] = [
  ...(process.env.BENCH_BEFORE_TREE
    ? [{ name: 'before' as const, tree: resolve(process.env.BENCH_BEFORE_TREE) }]
    : []),
  { name: 'after', tree: THIS_TREE },
];
const samples: Record<string, Record<Phase, Breakdown>[]> = Object.fromEntries(
  builds.map((b) => [b.name, []]),
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const build of builds) {
    const result = await profileBuild(build.tree);
    samples[build.name]!.push(result);
    log(`round ${round}/${ROUNDS} ${build.name}: ${JSON.stringify(result)}`);
  }
}
/** Median per phase and stage over the rounds. */
const medians = Object.fromEntries(
  Object.entries(samples).map(([name, rounds]) => [
    name,
    Object.fromEntries(
      PHASES.map((phase) => [
        phase,
        Object.fromEntries(
          [...STAGES, 'total' as const].map((stage) => [stage, median(rounds.map((r) => r[phase][stage]))]),
        ),
      ]),
    ),
  ]),
) as Record<string, Record<Phase, Breakdown>>;
const path = writeReport('pgc-stages', {
  bench: 'pgc-stages',
  date: new Date().toISOString(),
  node: process.version,
  unit: 'µs of the server main thread per request (per decision for batch), from --cpu-prof samples',
  rounds: ROUNDS,
  secondsPerPhase: SECONDS,
  connections: CONNECTIONS,
  builds: Object.fromEntries(builds.map((b) => [b.name, b.tree])),
  medians,
  samples,
});
const header = ['phase', 'build', ...STAGES, 'total'];
console.log(header.map((h) => h.padStart(7)).join(' '));
for (const phase of PHASES)
  for (const build of builds) {
    const row = medians[build.name]![phase];
    console.log(
      [phase, build.name, ...[...STAGES, 'total' as const].map((s) => row[s].toFixed(1))]
        .map((c) => String(c).padStart(7))
        .join(' '),
    );
  }
console.log(`[${path}]`);
