/**
 * `acgs release` against a real Prometheus (Debian's `prometheus` server) scraping HTTP servers
 * whose metrics this test controls, with kubectl replaced on PATH by a script that records its
 * command lines (there is no cluster here). Each scenario is a namespace label of its own.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toolSkip } from '../support/deploy-files.js';
import { CLI, freePort, waitFor } from '../support/platform-process.js';

const skip = toolSkip('prometheus', ['--version'], true);

/** What one fake pod answers, per 100 ms tick: requests, of which 5xx, and how long they took. */
interface Traffic {
  readonly requestsPerTick: number;
  readonly errorsPerTick: number;
  /** The bucket bound every request of this pod falls in, in seconds. */
  readonly latencySeconds: number;
}

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A process-like metrics endpoint: the kit's two HTTP families, advancing on a timer. */
function metricsServer(traffic: Traffic): { server: Server; timer: NodeJS.Timeout } {
  let ok = 0;
  let failed = 0;
  const timer = setInterval(() => {
    ok += traffic.requestsPerTick - traffic.errorsPerTick;
    failed += traffic.errorsPerTick;
  }, 100);
  const server = createServer((_request, response) => {
    const labels = 'service="auth",route="/api/v1/auth/me",method="GET"';
    const lines = [
      '# TYPE http_requests_total counter',
      `http_requests_total{${labels},status_code="200"} ${ok}`,
      `http_requests_total{${labels},status_code="503"} ${failed}`,
      // Probes are not traffic: a flood of fast 200s here must not dilute the error rate.
      `http_requests_total{service="auth",route="/health/ready",method="GET",status_code="200"} ${ok * 10}`,
      '# TYPE http_request_duration_seconds histogram',
    ];
    const total = ok + failed;
    for (const bound of BOUNDS) {
      lines.push(
        `http_request_duration_seconds_bucket{le="${bound}",${labels}} ${bound >= traffic.latencySeconds ? total : 0}`,
      );
    }
    lines.push(`http_request_duration_seconds_bucket{le="+Inf",${labels}} ${total}`);
    lines.push(`http_request_duration_seconds_sum{${labels}} ${total * traffic.latencySeconds}`);
    lines.push(`http_request_duration_seconds_count{${labels}} ${total}`);
    response.setHeader('content-type', 'text/plain; version=0.0.4');
    response.end(`${lines.join('\n')}\n`);
  });
  return { server, timer };
}

/** namespace → the colours' traffic. Blue is the old version in every scenario. */
const SCENARIOS: Record<string, { blue: Traffic; green: Traffic }> = {
  // Green is healthy; blue's errors must not count against it.
  healthy: {
    blue: { requestsPerTick: 20, errorsPerTick: 10, latencySeconds: 0.01 },
    green: { requestsPerTick: 20, errorsPerTick: 0, latencySeconds: 0.01 },
  },
  // Green answers 20 % errors: over the 5 % limit.
  errors: {
    blue: { requestsPerTick: 20, errorsPerTick: 0, latencySeconds: 0.01 },
    green: { requestsPerTick: 20, errorsPerTick: 4, latencySeconds: 0.01 },
  },
  // Green answers without errors but slowly: p95 near 2.5 s, over the 500 ms limit.
  slow: {
    blue: { requestsPerTick: 20, errorsPerTick: 0, latencySeconds: 0.01 },
    green: { requestsPerTick: 20, errorsPerTick: 0, latencySeconds: 2.5 },
  },
};

const dir = mkdtempSync(join(tmpdir(), 'acgs-release-'));
const servers: { server: Server; timer: NodeJS.Timeout }[] = [];
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';

before(async () => {
  if (skip) return;
  const jobs: string[] = [];
  for (const [namespace, colours] of Object.entries(SCENARIOS)) {
    for (const colour of ['blue', 'green'] as const) {
      const entry = metricsServer(colours[colour]);
      servers.push(entry);
      const port = await freePort();
      await new Promise<void>((resolve) => entry.server.listen(port, '127.0.0.1', resolve));
      jobs.push(
        `  - job_name: ${namespace}-${colour}\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n        labels: { namespace: ${namespace}, pod: acgs-auth-${colour}-5d8f7c9b6-x2x4z }`,
      );
    }
  }
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n${jobs.join('\n')}\n`);
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor(`${prometheusUrl}/-/ready`, (response) => response.status === 200, 30_000);
  // Every target scraped a few times, so a 5 s rate has samples to work with.
  await waitFor(
    `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('count(count_over_time(up[10s]) >= 4)')}`,
    (_response, body) => body.includes(`"value":[`) && body.includes(`"${servers.length}"`),
    30_000,
  );
});

after(() => {
  prometheus?.kill('SIGTERM');
  for (const { server, timer } of servers) {
    clearInterval(timer);
    server.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A kubectl on PATH that records each command line (arguments joined by U+001F). */
function kubectlShim(name: string): { bin: string; record: string } {
  const bin = join(dir, `bin-${name}`);
  const record = join(dir, `kubectl-${name}.log`);
  rmSync(bin, { recursive: true, force: true });
  writeFileSync(record, '');
  mkdirSync(bin, { recursive: true });
  const script = join(bin, 'kubectl');
  writeFileSync(
    script,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\037' "$a" >> "${record}"; done\nprintf '\\n' >> "${record}"\n`,
  );
  chmodSync(script, 0o755);
  return { bin, record };
}

function recorded(record: string): string[][] {
  return readFileSync(record, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\x1f').slice(0, -1));
}

/** The weights each `kubectl patch` set, as [blue, green]. */
function weights(calls: string[][]): number[][] {
  return calls
    .filter((c) => c.includes('patch'))
    .map((c) => {
      const patch = JSON.parse(c[c.indexOf('-p') + 1]!) as { op: string; path: string; value: unknown }[];
      return patch.filter((op) => op.op === 'replace').map((op) => op.value as number);
    });
}

function release(args: string[], shim: { bin: string }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'release', ...args], {
      env: { ...process.env, PATH: `${shim.bin}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const promoteArgs = (namespace: string) => [
  'promote',
  'auth',
  '--to',
  'green',
  '--namespace',
  namespace,
  '--prometheus',
  prometheusUrl,
  '--wait',
  '2s',
  '--window',
  '5s',
  '--max-error-rate',
  '0.05',
  '--max-p95',
  '500',
];

describe('acgs release against a real Prometheus', { skip }, () => {
  test('healthy green: promoted 10 → 50 → 100 with one kubectl patch per step', async () => {
    const shim = kubectlShim('healthy');
    const result = await release(promoteArgs('healthy'), shim);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /promoted auth to green: 10 → 50 → 100 %/);
    const calls = recorded(shim.record);
    assert.deepEqual(calls[0], [
      '-n',
      'healthy',
      'rollout',
      'status',
      'deployment/acgs-auth-green',
      '--timeout=300s',
    ]);
    assert.deepEqual(weights(calls), [
      [90, 10],
      [50, 50],
      [0, 100],
    ]);
    const patch = calls[1]!;
    assert.deepEqual(patch.slice(0, 6), [
      '-n',
      'healthy',
      'patch',
      'virtualservice',
      'acgs-auth',
      '--type=json',
    ]);
    assert.match(result.stderr, /error rate 0\.00 %/);
  });

  test('green answering 20 % errors: rolled back to blue after the first step', async () => {
    const shim = kubectlShim('errors');
    const result = await release(promoteArgs('errors'), shim);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /rolled back auth at 10 %: auth: error rate 20\.00 % is over the limit 5\.00 %/,
    );
    assert.deepEqual(weights(recorded(shim.record)), [
      [90, 10],
      [100, 0],
    ]);
  });

  test('green with a p95 over the limit: rolled back after the first step', async () => {
    const shim = kubectlShim('slow');
    const result = await release(promoteArgs('slow'), shim);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /rolled back auth at 10 %: auth: p95 \d+ ms is over the limit 500 ms/);
    assert.deepEqual(weights(recorded(shim.record)), [
      [90, 10],
      [100, 0],
    ]);
  });

  test('a colour without traffic is not promoted', async () => {
    const shim = kubectlShim('quiet');
    const result = await release(promoteArgs('nowhere'), shim);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /no requests reached green/);
    assert.deepEqual(weights(recorded(shim.record)), [
      [90, 10],
      [100, 0],
    ]);
  });

  test('rollback sends all traffic to the named colour at once', async () => {
    const shim = kubectlShim('rollback');
    const result = await release(['rollback', 'auth', 'pgc', '--to', 'blue'], shim);
    assert.equal(result.code, 0, result.stderr);
    const calls = recorded(shim.record);
    assert.deepEqual(
      calls.map((c) => c[4]),
      ['acgs-auth', 'acgs-pgc'],
    );
    assert.deepEqual(weights(calls), [
      [100, 0],
      [100, 0],
    ]);
  });

  test('a failing kubectl stops the release with its message', async () => {
    const shim = kubectlShim('broken');
    writeFileSync(
      join(shim.bin, 'kubectl'),
      '#!/bin/sh\necho "error: the server has asked for the client to provide credentials" >&2\nexit 1\n',
    );
    const result = await release(promoteArgs('healthy'), shim);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /provide credentials/);
  });
});
