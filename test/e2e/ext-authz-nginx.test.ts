/**
 * External authorization behind a real NGINX with `auth_request` (issue 17, done-when 3): allowed
 * requests reach the upstream, denied ones get 403 without reaching it, and with the platform (or
 * the endpoint) down NGINX refuses: fail closed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AcgsClient } from '../../packages/acgs-client/src/index.js';
import { authorize } from '../../src/integrations/ext-authz/authz-server.js';
import { loadHttpAuthzMapping } from '../../src/integrations/ext-authz/http-authz-mapping.js';
import { fetchVocabulary } from '../../src/integrations/platform-vocabulary.js';
import { api, bearer } from '../support/auth-session.js';
import { type IntegrationPlatform, startIntegrationPlatform } from '../support/integration-platform.js';
import { freePort, type PlatformProcess, startAcgs, waitFor } from '../support/platform-process.js';

const nginxAvailable = spawnSync('nginx', ['-v']).status === 0;

const MAPPING = `# HTTP request → decision request
principal:
  id: { from: header:x-agent-id }
  type: agent
  roles: { from: header:x-agent-roles }
routes:
  - method: POST
    path: /orders/{orderId}/refund
    request:
      action:
        type: issue_refund
        amount: { from: header:x-refund-amount }
        currency: EUR
      resource:
        type: order
        id: { from: param:orderId }
      context:
        customer_verified: { from: query:verified, required: false }
`;

function nginxConfig(dir: string, port: number, authzPort: number, upstreamPort: number): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_acgs_authz;
      auth_request_set $acgs_decision_id $upstream_http_x_acgs_decision_id;
      proxy_set_header X-Acgs-Decision-Id $acgs_decision_id;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
    location = /_acgs_authz {
      internal;
      proxy_pass http://127.0.0.1:${authzPort};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
  }
}
`;
}

let platform: IntegrationPlatform;
let authz: PlatformProcess;
let nginx: ChildProcess;
let upstream: Server;
let nginxUrl: string;
let delegateKey: string;
const reached: { url: string; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  if (!nginxAvailable) return;
  platform = await startIntegrationPlatform();
  const key = await platform.apiKey('mesh-authz', { delegate: true });
  delegateKey = key;
  writeFileSync(join(platform.dir, 'mapping.yaml'), MAPPING);
  const authzPort = await freePort();
  authz = await startAcgs(
    [
      'ext-authz',
      '--mapping',
      join(platform.dir, 'mapping.yaml'),
      '--url',
      platform.url,
      '--port',
      String(authzPort),
    ],
    { ACGS_API_KEY: key },
  );
  upstream = createServer((request, response) => {
    reached.push({ url: request.url ?? '', headers: request.headers });
    response.end('refunded');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const nginxDir = join(platform.dir, 'nginx');
  mkdirSync(nginxDir);
  const port = await freePort();
  writeFileSync(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, port, authzPort, upstreamPort));
  nginx = spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: 'ignore' });
  nginxUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${nginxUrl}/nowhere`, (response) => response.status !== 0, 30_000);
});

after(async () => {
  if (!nginxAvailable) return;
  nginx?.kill('SIGTERM');
  upstream?.close();
  await authz?.terminate();
  await platform?.stop();
});

async function refund(orderId: string, amount: string, roles = 'support-agent') {
  reached.length = 0;
  const response = await fetch(`${nginxUrl}/orders/${orderId}/refund`, {
    method: 'POST',
    headers: { 'x-agent-id': 'agent-7', 'x-agent-roles': roles, 'x-refund-amount': amount },
    body: '{}',
  });
  return { status: response.status, body: await response.text() };
}

test('an allowed request reaches the upstream with the decision id; the decision is in the log', {
  skip: !nginxAvailable,
}, async () => {
  const answer = await refund('o-1', '40');
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.body, 'refunded');
  assert.equal(reached.length, 1);
  assert.equal(reached[0]!.url, '/orders/o-1/refund');
  const decisionId = reached[0]!.headers['x-acgs-decision-id'];
  assert.match(String(decisionId), /^[0-9a-f-]{36}$/);
});

test('a denied request gets 403 and never reaches the upstream', { skip: !nginxAvailable }, async () => {
  const huge = await refund('o-2', '9000');
  assert.equal(huge.status, 403);
  assert.equal(reached.length, 0);
  const notSupport = await refund('o-3', '40', 'sales');
  assert.equal(notSupport.status, 403);
  assert.equal(reached.length, 0);
  // Unmapped route, missing header, value outside the vocabulary's type: denied too.
  reached.length = 0;
  const unmapped = await fetch(`${nginxUrl}/admin`, { headers: { 'x-agent-id': 'agent-7' } });
  assert.equal(unmapped.status, 403);
  const notANumber = await refund('o-4', 'forty');
  assert.equal(notANumber.status, 403);
  assert.equal(reached.length, 0);
});

test('a request held for review is refused (review: deny) without reaching the upstream', {
  skip: !nginxAvailable,
}, async () => {
  const held = await refund('o-5', '500');
  assert.equal(held.status, 403);
  assert.equal(reached.length, 0);
});

test('the endpoint answers the Envoy/Istio shape directly: 200 with headers, 403 with a reason', {
  skip: !nginxAvailable,
}, async () => {
  const allow = await fetch(`${authz.url}/orders/o-6/refund`, {
    method: 'POST',
    headers: { 'x-agent-id': 'agent-7', 'x-agent-roles': 'support-agent', 'x-refund-amount': '10' },
  });
  assert.equal(allow.status, 200);
  assert.equal(allow.headers.get('x-acgs-decision'), 'allow');
  const deny = await fetch(`${authz.url}/orders/o-6/refund`, {
    method: 'POST',
    headers: { 'x-agent-id': 'agent-7', 'x-agent-roles': 'support-agent', 'x-refund-amount': '9000' },
  });
  assert.equal(deny.status, 403);
  assert.ok((deny.headers.get('x-acgs-reason') ?? '').length > 0);
  const body = (await deny.json()) as { decision: string; decisionId: string };
  assert.equal(body.decision, 'deny');
  // The denial is in the log: the decision's receipt names a leaf the log holds.
  const entries = await api(platform.url, 'GET', '/api/v1/log/entries?start=0', {
    headers: bearer(platform.adminToken),
  });
  assert.ok(JSON.stringify(entries.body).includes(body.decisionId), 'the denied decision is logged');
});

test('review: wait holds the request until the reviewer approves it, then allows', {
  skip: !nginxAvailable,
}, async () => {
  const vocabulary = await fetchVocabulary(new AcgsClient({ url: platform.url, apiKey: delegateKey }));
  const mapping = loadHttpAuthzMapping('wait.yaml', vocabulary, `${MAPPING}review: wait\n`);
  const reviewer = { 'x-api-key': await platform.apiKey('reviewer-9', { roles: ['reviewer'] }) };
  const openIds = async () => {
    const open = await api(platform.url, 'GET', '/api/v1/reviews?status=open', { headers: reviewer });
    return ((open.body.tasks ?? open.body.items ?? []) as { decisionId: string }[]).map((t) => t.decisionId);
  };
  const earlier = new Set(await openIds());
  const answer = authorize(
    { mapping, client: new AcgsClient({ url: platform.url, apiKey: delegateKey }), reviewWaitMs: 60_000 },
    {
      method: 'POST',
      uri: '/orders/o-10/refund',
      headers: { 'x-agent-id': 'agent-7', 'x-agent-roles': 'support-agent', 'x-refund-amount': '700' },
    },
  );
  let decisionId = '';
  for (let i = 0; i < 200 && decisionId === ''; i++) {
    decisionId = (await openIds()).find((id) => !earlier.has(id)) ?? '';
    if (decisionId === '') await new Promise((r) => setTimeout(r, 100));
  }
  assert.notEqual(decisionId, '');
  for (let i = 0; i < 100; i++) {
    const claim = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/claim`, {
      headers: reviewer,
      body: {},
    });
    if (claim.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const resolved = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/resolve`, {
    headers: reviewer,
    body: { outcome: 'approve', comment: 'ok' },
  });
  assert.equal(resolved.status, 200);
  assert.deepEqual(await answer, { status: 200, decision: 'allow', decisionId });
});

test('the platform down: NGINX refuses (fail closed), the upstream is never reached', {
  skip: !nginxAvailable,
}, async () => {
  await platform.platform.terminate();
  const answer = await refund('o-7', '40');
  assert.ok(answer.status >= 500, `status ${answer.status}`);
  assert.equal(reached.length, 0);
  await authz.terminate();
  const noEndpoint = await refund('o-8', '40');
  assert.ok(noEndpoint.status >= 500, `status ${noEndpoint.status}`);
  assert.equal(reached.length, 0);
});
