/**
 * What the agent integrations cost (issue 17, done-when 5), against a real `acgs up` with the
 * example constitution's bundle active, every decision logged synchronously:
 *
 * 1. the MCP gateway per tool call: an SDK client calls `issue_refund` on a real SDK upstream
 *    (stdio) directly, and through `acgs mcp-gateway` (stdio; decide, then forward), 32 calls in
 *    flight; p50 and p99 of each and the overhead;
 * 2. the external authorization endpoint over the decision API it calls: autocannon at 32
 *    connections on `acgs ext-authz` (Envoy shape: method, path, headers in) and on
 *    `POST /api/v1/decisions` with the same request; throughput ratio and latencies.
 *
 * Rounds alternate (the machine is shared). Flags: --rounds (2), --calls (600 per round),
 * --seconds (5 per autocannon run).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startIntegrationPlatform } from '../test/support/integration-platform.js';
import { CLI, freePort, startAcgs } from '../test/support/platform-process.js';
import { flag, median, runLoad, writeReport } from './support/bench-helpers.js';

const ROUNDS = flag('rounds', 2);
const CALLS = flag('calls', 600);
const SECONDS = flag('seconds', 5);
const CONCURRENCY = 32;
const SHOP = join(import.meta.dirname, '..', 'test', 'support', 'mcp-shop-server.js');
const log = (line: string) => process.stderr.write(`${line}\n`);
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `CALLS` tool calls with `CONCURRENCY` in flight; per-call latencies in ms. */
async function callLatencies(client: Client): Promise<{ p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < CALLS) {
      const i = next++;
      const started = performance.now();
      const result = await client.callTool({
        name: 'issue_refund',
        arguments: { orderId: `o-${i}`, amount: 40 },
      });
      latencies.push(performance.now() - started);
      if (result.isError === true) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return { p50: round3(percentile(latencies, 50)), p99: round3(percentile(latencies, 99)), errors };
}

async function connect(command: string, args: string[], env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command,
      args,
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'ignore',
    }),
  );
  return client;
}

const platform = await startIntegrationPlatform();
try {
  const agentKey = await platform.apiKey('bench-gateway', {
    roles: ['agent', 'auditor'],
    principal: { id: 'agent-support-1', type: 'agent', roles: ['support-agent'] },
  });
  const delegateKey = await platform.apiKey('bench-authz', { delegate: true });
  const gatewayConfig = join(platform.dir, 'gateway.yaml');
  writeFileSync(
    gatewayConfig,
    `upstreams:
  shop: { command: ${process.execPath}, args: [${SHOP}], env: { SHOP_TOKEN: { fromEnv: SHOP_TOKEN } } }
tools:
  issue_refund:
    upstream: shop
    request:
      action: { type: issue_refund, amount: { from: arg:amount }, currency: EUR }
      resource: { type: order, id: { from: arg:orderId } }
`,
  );
  const direct = await connect(process.execPath, [SHOP], { SHOP_TOKEN: 'shop-secret-token' });
  const gateway = await connect(
    process.execPath,
    [CLI, 'mcp-gateway', '--config', gatewayConfig, '--url', platform.url],
    {
      ACGS_API_KEY: agentKey,
      SHOP_TOKEN: 'shop-secret-token',
    },
  );
  await gateway.listTools();
  await callLatencies(direct); // warm-up
  await callLatencies(gateway);
  const mcp: { direct: { p50: number; p99: number }[]; gateway: { p50: number; p99: number }[] } = {
    direct: [],
    gateway: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    const d = await callLatencies(direct);
    const g = await callLatencies(gateway);
    if (d.errors + g.errors > 0)
      throw new Error(`tool calls failed: direct ${d.errors}, gateway ${g.errors}`);
    mcp.direct.push(d);
    mcp.gateway.push(g);
    log(
      `round ${round + 1}: direct p50 ${d.p50} ms p99 ${d.p99} ms | gateway p50 ${g.p50} ms p99 ${g.p99} ms`,
    );
  }
  await direct.close();
  await gateway.close();

  const mapping = join(platform.dir, 'authz.yaml');
  writeFileSync(
    mapping,
    `principal:
  id: { from: header:x-agent-id }
  type: agent
  roles: { from: header:x-agent-roles }
routes:
  - method: POST
    path: /orders/{orderId}/refund
    request:
      action: { type: issue_refund, amount: { from: header:x-refund-amount }, currency: EUR }
      resource: { type: order, id: { from: param:orderId } }
`,
  );
  const authzPort = await freePort();
  const authz = await startAcgs(
    ['ext-authz', '--mapping', mapping, '--url', platform.url, '--port', String(authzPort)],
    {
      ACGS_API_KEY: delegateKey,
    },
  );
  const decisionBody = JSON.stringify({
    principal: { id: 'agent-7', type: 'agent', roles: ['support-agent'] },
    action: { type: 'issue_refund', amount: 40, currency: 'EUR' },
    resource: { type: 'order', id: 'o-1' },
  });
  const authzRuns: Awaited<ReturnType<typeof runLoad>>[] = [];
  const apiRuns: Awaited<ReturnType<typeof runLoad>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await runLoad({
      url: `${authz.url}/orders/o-1/refund`,
      method: 'POST',
      connections: CONCURRENCY,
      duration: SECONDS,
      headers: { 'x-agent-id': 'agent-7', 'x-agent-roles': 'support-agent', 'x-refund-amount': '40' },
    });
    const d = await runLoad({
      url: `${platform.url}/api/v1/decisions`,
      method: 'POST',
      connections: CONCURRENCY,
      duration: SECONDS,
      headers: { 'content-type': 'application/json', 'x-api-key': delegateKey },
      body: decisionBody,
    });
    if (a.errors + a.non2xx + d.errors + d.non2xx > 0)
      throw new Error(`errors: authz ${a.errors}/${a.non2xx}, api ${d.errors}/${d.non2xx}`);
    authzRuns.push(a);
    apiRuns.push(d);
    log(
      `round ${round + 1}: ext-authz ${Math.round(a.requestsPerSecond)} req/s p50 ${a.p50Ms} p99 ${a.p99Ms} | decision API ${Math.round(d.requestsPerSecond)} req/s p50 ${d.p50Ms} p99 ${d.p99Ms}`,
    );
  }
  await authz.terminate();

  const med = (xs: number[]) => round3(median(xs));
  const report = {
    concurrency: CONCURRENCY,
    mcpGateway: {
      callsPerRound: CALLS,
      directP50Ms: med(mcp.direct.map((r) => r.p50)),
      directP99Ms: med(mcp.direct.map((r) => r.p99)),
      gatewayP50Ms: med(mcp.gateway.map((r) => r.p50)),
      gatewayP99Ms: med(mcp.gateway.map((r) => r.p99)),
      overheadP50Ms: med(mcp.gateway.map((r, i) => r.p50 - mcp.direct[i]!.p50)),
      overheadP99Ms: med(mcp.gateway.map((r, i) => r.p99 - mcp.direct[i]!.p99)),
    },
    extAuthz: {
      seconds: SECONDS,
      authzRps: Math.round(median(authzRuns.map((r) => r.requestsPerSecond))),
      decisionApiRps: Math.round(median(apiRuns.map((r) => r.requestsPerSecond))),
      throughputRatio: round3(
        median(authzRuns.map((r, i) => r.requestsPerSecond / apiRuns[i]!.requestsPerSecond)),
      ),
      authzP50Ms: med(authzRuns.map((r) => r.p50Ms)),
      authzP99Ms: med(authzRuns.map((r) => r.p99Ms)),
      decisionApiP50Ms: med(apiRuns.map((r) => r.p50Ms)),
      decisionApiP99Ms: med(apiRuns.map((r) => r.p99Ms)),
    },
  };
  log(JSON.stringify(report, null, 2));
  log(`report: ${writeReport('integrations', report)}`);
} finally {
  await platform.stop();
}
