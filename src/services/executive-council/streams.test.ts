/**
 * The council's server-sent event streams over real HTTP (the council's routes through the kit,
 * real access tokens), with the real constitution service and the council's own bus consumers
 * (SQLite, local bus): authenticated and authorised like any route; a proposal's stream shows it
 * open, then queued by the vote that settles it, then enacted, and ends; the agent's stream shows
 * a review outcome pending, then resolved, and ends; the reviewers' stream shows the task opened,
 * claimed and resolved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import {
  contextWithConstitution,
  quickAmendmentDocument,
  signedVote,
} from '../../../test/support/council-constitution.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import { EVENT_TYPES, type PolicyDecisionReviewData } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from './service.js';
import { councilMigrations } from './store.js';
import { openProposal } from './usecases/open-proposal.js';
import { seatMember } from './usecases/seat-member.js';
import { generateMemberKey } from './vote-payload.js';

const issuer = await createTestTokenIssuer();
const auditor = await issuer.headers('audrey', ['auditor']);
const agent = await issuer.headers('agent-7', ['agent'], 'service');
const reviewer = await issuer.headers('rita', ['reviewer']);
const member = await issuer.headers('ann-user', ['council_member']);

interface Frame {
  readonly event: string;
  readonly id?: string;
  readonly data: Record<string, unknown>;
}

/** Reads a stream's frames as they come; `next()` waits for the next one, undefined once it ended. */
async function subscribe(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers });
  assert.equal(response.status, 200, await (response.status === 200 ? '' : response.text()));
  assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const frames: Frame[] = [];
  let ended = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = new Map(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
        );
        if (fields.has('event'))
          frames.push({
            event: fields.get('event')!,
            ...(fields.has('id') ? { id: fields.get('id')! } : {}),
            data: JSON.parse(fields.get('data')!) as Record<string, unknown>,
          });
        cut = buffer.indexOf('\n\n');
      }
    }
    ended = true;
  })();
  let read = 0;
  return {
    async next(timeoutMs = 15_000): Promise<Frame | undefined> {
      const end = Date.now() + timeoutMs;
      while (frames.length <= read) {
        if (ended) return undefined;
        if (Date.now() > end) throw new Error(`no frame within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return frames[read++];
    },
    async close() {
      await reader.cancel().catch(() => {});
      await pump.catch(() => {});
    },
  };
}

describe('council event streams', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-streams-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  const key = generateMemberKey();
  let context: ServiceContext;
  let ec: ExecutiveCouncilService;
  let ac: ReturnType<typeof createConstitutionalAiService>;
  let served: ServedModule;

  before(async () => {
    context = await contextWithConstitution(database, dir, quickAmendmentDocument(), {
      ac: constitutionMigrations,
      ec: councilMigrations,
    });
    ac = createConstitutionalAiService(context, { council: () => ec.contract });
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => undefined });
    await ac.start?.();
    await ec.start?.();
    served = await serveModule(ec, issuer.authenticator, context.activeConstitution);
    await seatMember(
      ec.deps,
      { memberId: 'ann', displayName: 'Ann', publicKey: key.publicKey, weight: 1 },
      'admin',
    );
  });

  after(async () => {
    await served.close().catch(() => {});
    await ec.stop?.();
    await ac.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is authenticated and authorised like every route', async () => {
    const anonymous = await fetch(`${served.url}/api/v1/reviews/events`);
    assert.equal(anonymous.status, 401);
    const proposal = await openProposal(
      ec.deps,
      {
        kind: 'change-council',
        title: 'Only for the role check',
        content: { reweight: [{ memberId: 'ann', weight: 2 }] },
      },
      'admin',
    );
    const agentOnProposals = await fetch(`${served.url}/api/v1/council/proposals/${proposal.id}/events`, {
      headers: agent,
    });
    assert.equal(agentOnProposals.status, 403);
    const agentOnQueue = await fetch(`${served.url}/api/v1/reviews/events`, { headers: agent });
    assert.equal(agentOnQueue.status, 403);
    const unknown = await fetch(
      `${served.url}/api/v1/council/proposals/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/events`,
      { headers: auditor },
    );
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'COUNCIL_PROPOSAL_NOT_FOUND');
  });

  it("a proposal's stream: open, queued by the settling vote, enacted — then it ends", async () => {
    const base = quickAmendmentDocument();
    const proposal = await openProposal(
      ec.deps,
      {
        kind: 'amend-constitution',
        title: 'Streamed',
        content: { document: { ...base, description: 'Streamed.' } },
      },
      'admin',
    );
    const stream = await subscribe(`${served.url}/api/v1/council/proposals/${proposal.id}/events`, auditor);
    const first = (await stream.next())!;
    assert.deepEqual([first.event, first.data.status, first.data.id], ['proposal', 'open', proposal.id]);
    const { proposalId: _, ...body } = signedVote(proposal, 'ann', 'yes', key.privateKeyPem);
    const voted = await fetch(`${served.url}/api/v1/council/proposals/${proposal.id}/votes`, {
      method: 'POST',
      headers: { ...member, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(voted.status, 201);
    const statuses: unknown[] = [];
    for (let frame = await stream.next(); frame !== undefined; frame = await stream.next()) {
      statuses.push(frame.data.status);
      assert.ok(frame.id, 'each change names the council event behind it');
    }
    assert.equal(statuses.at(-1), 'enacted', JSON.stringify(statuses));
    assert.ok(
      statuses.every((s) => s === 'queued' || s === 'enacted'),
      `after open only queued and enacted: ${JSON.stringify(statuses)}`,
    );
    assert.equal((await ac.contract.activeVersion())?.hash, proposal.contentHash);
    await stream.close();
  });

  it("a review: the agent's stream waits for the task, shows it pending and resolved, then ends; the reviewers' stream shows every change", async () => {
    const decisionId = newId(Date.now());
    const queue = 'finance-review';
    const agentStream = await subscribe(`${served.url}/api/v1/reviews/${decisionId}/events`, agent);
    const queueStream = await subscribe(`${served.url}/api/v1/reviews/events?queue=${queue}`, reviewer);
    const data: PolicyDecisionReviewData = {
      bundleId: 'b'.repeat(64),
      constitutionHash: 'c'.repeat(64),
      leafHash: 'd'.repeat(64),
      index: null,
      reviews: [
        {
          decisionId,
          position: 0,
          principalId: 'agent-7',
          actionType: 'issue_refund',
          requestDigest: 'e'.repeat(64),
          matched: [{ policyId: 'refunds.review-above-limit', principles: ['financial-prudence'] }],
          reasons: ['above the limit'],
          obligations: [{ type: 'notify', queue }],
        },
      ],
    };
    // As the PGC announces a decision sent to review.
    await context.bus.publish({
      id: newId(Date.now()),
      type: EVENT_TYPES.policyDecisionReview,
      source: 'pgc',
      time: new Date().toISOString(),
      data,
    });
    const pending = (await agentStream.next())!;
    assert.deepEqual(
      [pending.event, pending.data.status, pending.data.decisionId],
      ['outcome', 'pending', decisionId],
    );
    const opened = (await queueStream.next())!;
    assert.deepEqual([opened.event, opened.data.status], ['task', 'open']);
    const post = (path: string, body: unknown) =>
      fetch(`${served.url}${path}`, {
        method: 'POST',
        headers: { ...reviewer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post(`/api/v1/reviews/${decisionId}/claim`, { leaseSeconds: 60 })).status, 200);
    assert.deepEqual((await queueStream.next())!.data.status, 'claimed');
    const resolved = await post(`/api/v1/reviews/${decisionId}/resolve`, {
      outcome: 'approve',
      comment: 'fine',
    });
    assert.equal(resolved.status, 200);
    const outcome = (await agentStream.next())!;
    assert.deepEqual(
      [outcome.data.status, outcome.data.decision, outcome.data.via],
      ['resolved', 'allow', 'reviewer'],
    );
    assert.equal(await agentStream.next(), undefined, 'the agent’s stream ended');
    const last = (await queueStream.next())!;
    assert.deepEqual([last.data.status, last.data.outcome], ['resolved', 'allow']);
    await agentStream.close();
    await queueStream.close();
  });

  it('a shutdown ends the open streams instead of waiting for them', async () => {
    const stream = await subscribe(`${served.url}/api/v1/reviews/events`, reviewer);
    const started = Date.now();
    await served.close();
    assert.ok(Date.now() - started < 3000, `closed in ${Date.now() - started} ms`);
    assert.equal(await stream.next(), undefined, 'the stream ended');
    await stream.close();
  });
});
