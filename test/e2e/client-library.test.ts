/**
 * The client library (@acgs/client, packages/acgs-client) against a running platform (issue 17,
 * done-when 2): retry on 503 with Retry-After, decide, batch, a review round-trip through the
 * council's queue, receipt verification against a signed checkpoint, and guard() refusing to run
 * the wrapped function on deny.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  AcgsAuthError,
  AcgsClient,
  AcgsRequestError,
  DecisionDeniedError,
  guard,
  verifyReceipt,
} from '../../packages/acgs-client/src/index.js';
import { formatVerifierKey, generateSignerKey } from '../../src/merkle/note-keys.js';
import { api } from '../support/auth-session.js';
import { type IntegrationPlatform, startIntegrationPlatform } from '../support/integration-platform.js';
import { CLI } from '../support/platform-process.js';

const POLICIES = join(import.meta.dirname, '..', '..', '..', 'examples', 'constitution', 'policies');
let platform: IntegrationPlatform;
let agent: AcgsClient;
let reviewerKey: string;
let agentKey: string;
let auditor: AcgsClient;
const retries: { status: number; code: string; delayMs: number }[] = [];

before(async () => {
  // No policy directory: until a bundle is activated every decision is 503 with Retry-After.
  platform = await startIntegrationPlatform({ ACGS_POLICY_DIR: 'none' });
  const key = await platform.apiKey('support-bot', {
    principal: { id: 'agent-support-1', type: 'agent', roles: ['support-agent'] },
  });
  agentKey = key;
  agent = new AcgsClient({ url: platform.url, apiKey: key, retries: 60, onRetry: (r) => retries.push(r) });
  reviewerKey = await platform.apiKey('reviewer-1', { roles: ['reviewer'] });
  auditor = new AcgsClient({
    url: platform.url,
    apiKey: await platform.apiKey('auditor-1', { roles: ['auditor'] }),
  });
});

after(async () => {
  await platform?.stop();
});

const refund = (amount: number) => ({
  action: { type: 'issue_refund', amount, currency: 'EUR' },
  resource: { type: 'order', id: `o-${amount}` },
  context: { customer_verified: true },
});

test('decide retries 503 PGC_NO_ACTIVE_BUNDLE after Retry-After until a bundle is active', async () => {
  const pending = agent.decide(refund(40));
  await new Promise((r) => setTimeout(r, 1500));
  await promisify(execFile)(
    process.execPath,
    [CLI, 'bundle', 'create', POLICIES, '--activate', '--url', platform.url],
    {
      env: { ...process.env, ACGS_TOKEN: platform.adminToken },
    },
  );
  const decision = await pending;
  assert.equal(decision.decision, 'allow');
  assert.ok(retries.length >= 1, 'retried at least once');
  assert.equal(retries[0]!.status, 503);
  assert.equal(retries[0]!.code, 'PGC_NO_ACTIVE_BUNDLE');
  assert.equal(retries[0]!.delayMs, 1000, "waited the platform's Retry-After (1 s)");
});

test('decide and decideBatch: the bound principal decides; batches keep their order', async () => {
  const denied = await agent.decide(refund(9000));
  assert.equal(denied.decision, 'deny');
  assert.ok(denied.reasons.length > 0);
  const batch = await agent.decideBatch([refund(40), refund(9000), refund(500)]);
  assert.deepEqual(
    batch.decisions.map((d) => [d.position, d.decision]),
    [
      [0, 'allow'],
      [1, 'deny'],
      [2, 'review'],
    ],
  );
});

test('typed errors: a request outside the vocabulary, a bad key', async () => {
  await assert.rejects(
    agent.decide({ action: { type: 'issue_refund', amout: 3 } }),
    (error: unknown) =>
      error instanceof AcgsRequestError && error.status === 400 && error.code === 'POLICY_REQUEST_INVALID',
  );
  const stranger = new AcgsClient({ url: platform.url, apiKey: 'acgs_nope_nope' });
  await assert.rejects(
    stranger.decide(refund(1)),
    (error: unknown) => error instanceof AcgsAuthError && error.status === 401,
  );
});

test('guard() never runs the wrapped function on deny, and runs it on allow', async () => {
  let ran = 0;
  const issueRefund = guard(
    agent,
    async (args: { amount: number }) => {
      ran++;
      return `refunded ${args.amount}`;
    },
    (args) => refund(args.amount),
  );
  await assert.rejects(issueRefund({ amount: 9000 }), (error: unknown) => {
    assert.ok(error instanceof DecisionDeniedError);
    assert.match(error.decisionId, /^[0-9a-f-]{36}$/);
    assert.equal(error.via, 'policy');
    return true;
  });
  assert.equal(ran, 0);
  assert.equal(await issueRefund({ amount: 40 }), 'refunded 40');
  assert.equal(ran, 1);
});

async function resolveReview(decisionId: string, outcome: 'approve' | 'reject') {
  const headers = { 'x-api-key': reviewerKey };
  // The task arrives through the bus: claim until it is there.
  for (let i = 0; i < 100; i++) {
    const claim = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/claim`, {
      headers,
      body: {},
    });
    if (claim.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const resolved = await api(platform.url, 'POST', `/api/v1/reviews/${decisionId}/resolve`, {
    headers,
    body: { outcome, comment: `${outcome}d by the e2e reviewer` },
  });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
}

test('a review round-trip: waitForReview returns once the reviewer approves; guard waits, then runs', async () => {
  const held = await agent.decide(refund(500));
  assert.equal(held.decision, 'review');
  const waiting = agent.waitForReview(held.decisionId, { timeoutMs: 60_000 });
  await resolveReview(held.decisionId, 'approve');
  const outcome = await waiting;
  assert.equal(outcome.decision, 'allow');

  let ran = 0;
  let decisionId = '';
  const guarded = guard(
    agent,
    async () => {
      ran++;
    },
    () => refund(600),
    { onDecision: (d) => (decisionId = d.decisionId), reviewTimeoutMs: 60_000 },
  );
  const call = guarded();
  while (decisionId === '') await new Promise((r) => setTimeout(r, 20));
  assert.equal(ran, 0, 'not run while the review is open');
  await resolveReview(decisionId, 'reject');
  await assert.rejects(
    call,
    (error: unknown) => error instanceof DecisionDeniedError && error.via === 'review',
  );
  assert.equal(ran, 0);
});

test("a decision's receipt verifies against the signed checkpoint; a forged one does not", async () => {
  const decision = await agent.decide(refund(41));
  let verified = await verifyReceipt(auditor, decision.logReceipt);
  for (let i = 0; i < 100 && !verified.ok && /not in the checkpoint yet/.test(verified.problem ?? ''); i++) {
    await new Promise((r) => setTimeout(r, 100));
    verified = await verifyReceipt(auditor, decision.logReceipt);
  }
  assert.equal(verified.ok, true, verified.problem);
  assert.ok(verified.checkpoint!.size > decision.logReceipt.index!);
  const forged = {
    ...decision.logReceipt,
    leafHash: decision.logReceipt.leafHash.replace(/^./, (c) => (c === '0' ? '1' : '0')),
  };
  assert.equal((await verifyReceipt(auditor, forged)).ok, false);
  const wrongKey = await verifyReceipt(auditor, decision.logReceipt, {
    vkeys: [formatVerifierKey(generateSignerKey('vm/acgs'))],
  });
  assert.equal(wrongKey.ok, false);
});

test('the example tool (Vercel AI SDK / LangChain.js shapes) runs: the small refund is made, the huge one refused', async () => {
  const example = join(
    import.meta.dirname,
    '..',
    '..',
    'packages',
    'acgs-client',
    'examples',
    'refund-tool.js',
  );
  const { stdout } = await promisify(execFile)(process.execPath, [example], {
    env: { ...process.env, ACGS_URL: platform.url, ACGS_API_KEY: agentKey },
  });
  const [small, huge] = stdout.trim().split('\n');
  assert.equal(small, 'refunded 40 EUR on o-1');
  assert.match(huge!, /^refused by policy: denied \(decision [0-9a-f-]{36}\)/);
});
