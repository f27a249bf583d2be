/**
 * The kit's overhead: its hello route (problem+json handler, request ids, hash header, guard
 * hook, metrics, logging) against the same route on a bare Fastify, in the same run, each server
 * in its own process, driven by autocannon over real HTTP at 64 connections. Runs alternate
 * (bare, kit, bare, kit, …) so drift hits both alike.
 *
 * Two figures: requests per second (the wording), and requests per CPU-second of the
 * server process (from /proc), which other work on a shared 2-core machine barely disturbs.
 * Target: kit ≥ 0.85 × bare, judged on requests per CPU-second; both ratios are reported.
 */
import type { ServerProcess } from './support/bench-helpers.js';
import {
  benchFile,
  cpuSecondsOf,
  median,
  runLoad,
  startServerProcess,
  writeReport,
} from './support/bench-helpers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const TARGET = 0.85;
type Kind = 'bare' | 'kit';

const server = benchFile(import.meta.url, 'support/hello-server.js');
const servers: Record<Kind, ServerProcess> = {
  bare: await startServerProcess(server, ['bare']),
  kit: await startServerProcess(server, ['kit']),
};
const rps: Record<Kind, number[]> = { bare: [], kit: [] };
const perCpuSecond: Record<Kind, number[]> = { bare: [], kit: [] };
const p99: Record<Kind, number[]> = { bare: [], kit: [] };
const url = (kind: Kind) => `http://127.0.0.1:${servers[kind].port}/api/v1/policies/hello`;
try {
  for (const kind of ['bare', 'kit'] as const)
    await runLoad({ url: url(kind), connections: CONNECTIONS, duration: 1 });
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of ['bare', 'kit'] as const) {
      const pid = servers[kind].child.pid!;
      const cpuBefore = cpuSecondsOf(pid);
      const result = await runLoad({ url: url(kind), connections: CONNECTIONS, duration: SECONDS });
      const cpu = cpuSecondsOf(pid) - cpuBefore;
      if (result.errors > 0 || result.non2xx > 0) {
        throw new Error(`${kind}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      }
      rps[kind].push(result.requestsPerSecond);
      perCpuSecond[kind].push(result.total / cpu);
      p99[kind].push(result.p99Ms);
      process.stderr.write(
        `round ${round}/${ROUNDS} ${kind.padEnd(4)} ${Math.round(result.requestsPerSecond)} req/s, ` +
          `${Math.round(result.total / cpu)} req per CPU-s, p99 ${result.p99Ms} ms\n`,
      );
    }
  }
} finally {
  await servers.bare.stop();
  await servers.kit.stop();
}

const rpsRatio = median(rps.kit) / median(rps.bare);
const cpuRatio = median(perCpuSecond.kit) / median(perCpuSecond.bare);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const report = {
  benchmark: 'http-kit',
  connections: CONNECTIONS,
  secondsPerRun: SECONDS,
  rounds: ROUNDS,
  requestsPerSecond: {
    bare: Math.round(median(rps.bare)),
    kit: Math.round(median(rps.kit)),
    ratio: round3(rpsRatio),
  },
  requestsPerCpuSecond: {
    bare: Math.round(median(perCpuSecond.bare)),
    kit: Math.round(median(perCpuSecond.kit)),
    ratio: round3(cpuRatio),
  },
  p99Ms: { bare: median(p99.bare), kit: median(p99.kit) },
  samples: { rps, perCpuSecond },
  target: TARGET,
  passed: cpuRatio >= TARGET,
};
const path = writeReport('http-kit', report);
console.log(
  `kit/bare: ${report.requestsPerCpuSecond.ratio} per CPU-second (${report.requestsPerCpuSecond.kit} vs ${report.requestsPerCpuSecond.bare}), ` +
    `${report.requestsPerSecond.ratio} per second (${report.requestsPerSecond.kit} vs ${report.requestsPerSecond.bare}); ` +
    `target ≥ ${TARGET} → ${report.passed ? 'PASS' : 'FAIL'}  [${path}]`,
);
if (!report.passed) process.exitCode = 1;
