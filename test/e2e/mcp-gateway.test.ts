/**
 * The MCP gateway (issue 17, done-when 1 and 4): a real MCP client from the SDK, over stdio and
 * over Streamable HTTP, in front of a real upstream MCP server started by the test. Hidden tools,
 * allow / deny / review (approved through the council's API), decisions in the log, unmapped
 * tools denied, an upstream that dies mid-call, a mapping with an unknown attribute refused.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { api, bearer } from '../support/auth-session.js';
import { type IntegrationPlatform, startIntegrationPlatform } from '../support/integration-platform.js';
import { CLI, freePort, type PlatformProcess, runAcgs, startAcgs } from '../support/platform-process.js';

const SHOP = join(import.meta.dirname, '..', 'support', 'mcp-shop-server.js');
const GATEWAY_TOKEN = 'gateway-token-0123456789';

function config(callsFile: string, amountKey = 'amount') {
  return `upstreams:
  shop:
    command: ${process.execPath}
    args: [${SHOP}]
    env:
      CALLS_FILE: ${callsFile}
      SHOP_TOKEN: { fromEnv: SHOP_TOKEN }
tools:
  issue_refund:
    upstream: shop
    request:
      action: { type: issue_refund, ${amountKey}: { from: arg:amount }, currency: EUR }
      resource: { type: order, id: { from: arg:orderId } }
      context: { customer_verified: true }
  send_marketing:
    upstream: shop
    request:
      action: { type: send_marketing }
      resource: { type: customer, id: { from: arg:customerId } }
      context: { customer_tier: standard }
  crash:
    upstream: shop
    request:
      action: { type: issue_refund, amount: 1.0 }
      resource: { type: order }
reviewTimeoutSeconds: 60
`;
}

let platform: IntegrationPlatform;
let gatewayKey: string;
let reviewerKey: string;
let callsFile: string;
let configFile: string;

before(async () => {
  platform = await startIntegrationPlatform();
  gatewayKey = await platform.apiKey('support-gateway', {
    roles: ['agent', 'auditor'],
    principal: { id: 'agent-support-1', type: 'agent', roles: ['support-agent'] },
  });
  reviewerKey = await platform.apiKey('reviewer-1', { roles: ['reviewer'] });
  callsFile = join(platform.dir, 'calls.jsonl');
  configFile = join(platform.dir, 'gateway.yaml');
  writeFileSync(configFile, config(callsFile));
});

after(async () => {
  await platform?.stop();
});

function upstreamCalls(): { name: string; arguments: Record<string, unknown> }[] {
  if (!existsSync(callsFile)) return [];
  return readFileSync(callsFile, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

async function approve(decisionId: string) {
  const headers = { 'x-api-key': reviewerKey };
  for (let i = 0; i < 200; i++) {
    const claim = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/claim`, {
      headers,
      body: {},
    });
    if (claim.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const resolved = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/resolve`, {
    headers,
    body: { outcome: 'approve', comment: 'fine' },
  });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
}

/** Finds the review task the gateway's call opened (the gateway holds the call, so we look it up). */
async function openReviewFor(amount: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const list = await api(platform.url, 'GET', '/api/v1/reviews?status=open', {
      headers: { 'x-api-key': reviewerKey },
    });
    const tasks = (list.body.tasks ?? list.body.items ?? []) as {
      decisionId: string;
      principalId?: string;
    }[];
    if (tasks.length > 0) return tasks[tasks.length - 1]!.decisionId;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no open review for ${amount}`);
}

async function exercise(client: Client, label: string) {
  const listed = (await client.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(
    listed,
    ['crash', 'issue_refund'],
    `${label}: send_marketing (never allowed to a support agent) and lookup_order (unmapped) are hidden`,
  );

  const before = upstreamCalls().length;
  const allowed = (await client.callTool({
    name: 'issue_refund',
    arguments: { orderId: 'o-1', amount: 40 },
  })) as CallToolResult;
  assert.notEqual(allowed.isError, true, textOf(allowed));
  assert.match(textOf(allowed), /^shop did issue_refund/);
  const allowId = String(allowed._meta?.['acgs/decisionId']);

  const denied = (await client.callTool({
    name: 'issue_refund',
    arguments: { orderId: 'o-2', amount: 9000 },
  })) as CallToolResult;
  assert.equal(denied.isError, true);
  assert.match(textOf(denied), /^denied by policy \(decision [0-9a-f-]{36}\): ./);
  const denyId = String(denied._meta?.['acgs/decisionId']);
  assert.equal(upstreamCalls().length, before + 1, 'the denied call never reached the upstream');

  const held = client.callTool(
    { name: 'issue_refund', arguments: { orderId: 'o-3', amount: 500 } },
    undefined,
    {
      timeout: 90_000,
    },
  ) as Promise<CallToolResult>;
  const reviewId = await openReviewFor(500);
  assert.equal(upstreamCalls().length, before + 1, 'not forwarded while the review is open');
  await approve(reviewId);
  const reviewed = await held;
  assert.notEqual(reviewed.isError, true, textOf(reviewed));
  assert.equal(reviewed._meta?.['acgs/decisionId'], reviewId);
  assert.equal(upstreamCalls().length, before + 2);

  const unmapped = (await client.callTool({
    name: 'lookup_order',
    arguments: { orderId: 'o-1' },
  })) as CallToolResult;
  assert.equal(unmapped.isError, true);
  assert.match(textOf(unmapped), /not mapped/);
  assert.equal(upstreamCalls().length, before + 2);

  // All three decisions are in the log.
  const entries = JSON.stringify(
    (await api(platform.url, 'GET', '/api/v1/log/entries?start=0', { headers: bearer(platform.adminToken) }))
      .body,
  );
  for (const id of [allowId, denyId, reviewId])
    assert.ok(entries.includes(id), `${label}: decision ${id} is logged`);
}

describe('over stdio', () => {
  let client: Client;
  before(async () => {
    client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp-gateway', '--config', configFile, '--url', platform.url],
        env: { PATH: process.env.PATH ?? '', ACGS_API_KEY: gatewayKey, SHOP_TOKEN: 'shop-secret-token' },
        stderr: 'ignore',
      }),
    );
  });
  after(async () => {
    await client?.close();
  });

  test('hidden tools, allow reaches the upstream, deny does not, review waits for the reviewer; all logged', async () => {
    await exercise(client, 'stdio');
  });

  test('an upstream that dies mid-call gives the client an error, not a hang; the next call reconnects', async () => {
    const crashed = (await client.callTool({ name: 'crash', arguments: {} }, undefined, {
      timeout: 30_000,
    })) as CallToolResult;
    assert.equal(crashed.isError, true);
    assert.match(textOf(crashed), /upstream shop failed/);
    const again = (await client.callTool({
      name: 'issue_refund',
      arguments: { orderId: 'o-9', amount: 10 },
    })) as CallToolResult;
    assert.notEqual(again.isError, true, textOf(again));
  });
});

describe('over Streamable HTTP', () => {
  let gateway: PlatformProcess;
  let url: string;
  before(async () => {
    const port = await freePort();
    gateway = await startAcgs(
      ['mcp-gateway', '--config', configFile, '--url', platform.url, '--http', '--port', String(port)],
      {
        ACGS_API_KEY: gatewayKey,
        ACGS_GATEWAY_TOKEN: GATEWAY_TOKEN,
        SHOP_TOKEN: 'shop-secret-token',
      },
    );
    url = `${gateway.url}/mcp`;
  });
  after(async () => {
    await gateway?.terminate();
  });

  test('the same enforcement for an HTTP client', async () => {
    const client = new Client({ name: 'e2e-http', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${GATEWAY_TOKEN}` } },
      }),
    );
    try {
      await exercise(client, 'http');
    } finally {
      await client.close();
    }
  });

  test('a client without the gateway token is refused', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 401);
  });
});

test('a mapping naming an unknown attribute is refused at start with file and line', () => {
  const bad = join(platform.dir, 'bad-gateway.yaml');
  writeFileSync(bad, config(callsFile, 'amout'));
  const result = runAcgs(['mcp-gateway', '--config', bad, '--url', platform.url], {
    ACGS_API_KEY: gatewayKey,
    SHOP_TOKEN: 'shop-secret-token',
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`${bad.replace(/[.]/g, '\\.')}:12:\\d+: unknown attribute action\\.amout`),
  );
});
