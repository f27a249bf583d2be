/**
 * The kit's overhead: its hello route (problem+json handler, request ids, hash header, guard,
 * metrics, an access log line per request) against the same route on a bare Fastify, in the same
 * run, each server in its own process, driven by autocannon over real HTTP. Runs alternate
 * (bare, kit, bare, kit, …) so drift on a shared machine hits both alike; the ratio of medians is
 * the figure. Target: kit ≥ 0.85 × bare.
 */
import { benchFile, median, runLoad, startServerProcess, writeReport } from './support/bench-helpers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const TARGET = 0.85;

const server = benchFile(import.meta.url, 'support/hello-server.js');
const servers = {
  bare: await startServerProcess(server, ['bare']),
  kit: await startServerProcess(server, ['kit']),
};
const samples: Record<'bare' | 'kit', number[]> = { bare: [], kit: [] };
const p99: Record<'bare' | 'kit', number[]> = { bare: [], kit: [] };
try {
  for (const kind of ['bare', 'kit'] as const) {
    await runLoad({
      url: `http://127.0.0.1:${servers[kind].port}/api/v1/policies/hello`,
      connections: CONNECTIONS,
      duration: 1,
    });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of ['bare', 'kit'] as const) {
      const result = await runLoad({
        url: `http://127.0.0.1:${servers[kind].port}/api/v1/policies/hello`,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${kind}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      samples[kind].push(result.requestsPerSecond);
      p99[kind].push(result.p99Ms);
      process.stderr.write(
        `round ${round}/${ROUNDS} ${kind.padEnd(4)} ${Math.round(result.requestsPerSecond)} req/s p99 ${result.p99Ms} ms\n`,
      );
    }
  }
} finally {
  await servers.bare.stop();
  await servers.kit.stop();
}

const bare = median(samples.bare);
const kit = median(samples.kit);
const ratio = kit / bare;
const report = {
  benchmark: 'http-kit',
  connections: CONNECTIONS,
  secondsPerRun: SECONDS,
  rounds: ROUNDS,
  bareRequestsPerSecond: Math.round(bare),
  kitRequestsPerSecond: Math.round(kit),
  ratio: Math.round(ratio * 1000) / 1000,
  target: TARGET,
  p99Ms: { bare: median(p99.bare), kit: median(p99.kit) },
  samples,
  passed: ratio >= TARGET,
};
const path = writeReport('http-kit', report);
console.log(
  `kit ${Math.round(kit)} req/s vs bare ${Math.round(bare)} req/s: ratio ${report.ratio} (target ≥ ${TARGET}) → ${report.passed ? 'PASS' : 'FAIL'}  [${path}]`,
);
if (!report.passed) process.exitCode = 1;
