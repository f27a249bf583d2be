/**
 * An enactment that outlives its lease, with two council replicas (two council services with their
 * own instance ids) on one SQLite database and the real constitution service. The lease is 1 s;
 * replica A's call to the constitution service is slowed to several leases (injected latency in
 * front of the real contract). (1) A renews its claim while the call runs, so replica B, trying
 * again and again, never starts the same enactment; the amendment is published once. (2) When A
 * does lose its claim (B's injected clock is ten minutes ahead, so B sees it expired), B enacts,
 * the constitution service recognises A's late repeat by the bound hash, and A's writes — guarded
 * by the claim — change nothing: one version, one `council.proposal.enacted`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  contextWithConstitution,
  quickAmendmentDocument,
  signedVote,
} from '../../../test/support/council-constitution.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { COUNCIL_EVENTS } from './council-events.js';
import { loadCouncilSettings } from './council-settings.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from './service.js';
import { councilMigrations } from './store.js';
import { castVote } from './usecases/cast-vote.js';
import { enactDue } from './usecases/enact-proposal.js';
import { openProposal } from './usecases/open-proposal.js';
import { seatMember } from './usecases/seat-member.js';
import { generateMemberKey } from './vote-payload.js';

const LEASE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real contract behind a delay on `enact` (a slow owner), counting the calls. */
function slowed(contract: ConstitutionContract, delayMs: number, calls: { n: number }): ConstitutionContract {
  return {
    activeHash: () => contract.activeHash(),
    activeVersion: () => contract.activeVersion(),
    resolve: (source) => contract.resolve(source),
    enact: async (source, options) => {
      calls.n++;
      await sleep(delayMs);
      return contract.enact(source, options);
    },
  };
}

describe('an enactment that outlives its lease', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-lease-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  const key = generateMemberKey();
  const settings = loadCouncilSettings({ ACGS_COUNCIL_ENACT_LEASE_MS: String(LEASE_MS) });
  const base = quickAmendmentDocument();
  let context: ServiceContext;
  let ac: ReturnType<typeof createConstitutionalAiService>;
  const enacted: string[] = [];
  let stopWatching: (() => Promise<void>) | undefined;

  function replica(name: string, constitution: ConstitutionContract, skewMs = 0): ExecutiveCouncilService {
    return createExecutiveCouncilService(
      { ...context, instanceId: name, metrics: new Registry() },
      {
        constitution,
        policies: () => undefined,
        settings,
        clock: { now: () => Date.now() + skewMs },
      },
    );
  }

  before(async () => {
    context = await contextWithConstitution(database, dir, base, {
      ac: constitutionMigrations,
      ec: councilMigrations,
    });
    let council: ExecutiveCouncilService | undefined;
    ac = createConstitutionalAiService(context, { council: () => council?.contract });
    council = replica('seat', ac.contract);
    await ac.start?.();
    await seatMember(
      council.deps,
      { memberId: 'ann', displayName: 'Ann', publicKey: key.publicKey, weight: 1 },
      'admin',
    );
    const subscription = await context.bus.subscribe({
      durable: 'lease-enacted',
      subjects: [`acgs.ec.${COUNCIL_EVENTS.proposalEnacted}`],
      handler: async (m) => {
        enacted.push((m.event.data as { proposalId: string }).proposalId);
        await m.ack();
      },
    });
    stopWatching = () => subscription.stop();
  });

  after(async () => {
    await stopWatching?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An amendment passed by Ann's vote, queued and enactable at once. */
  async function passedAmendment(through: ExecutiveCouncilService, description: string) {
    const proposal = await openProposal(
      through.deps,
      { kind: 'amend-constitution', title: description, content: { document: { ...base, description } } },
      'admin',
    );
    const cast = await castVote(through.deps, signedVote(proposal, 'ann', 'yes', key.privateKeyPem));
    assert.equal(cast.proposal.status, 'queued');
    return proposal;
  }

  async function versionsWithHash(hash: string) {
    const active = await ac.contract.activeVersion();
    return active?.hash === hash ? active.number : undefined;
  }

  it('a slow enactment keeps its claim alive: the other replica never starts it; enacted once', async () => {
    const aCalls = { n: 0 };
    const bCalls = { n: 0 };
    const a = replica('replica-a', slowed(ac.contract, 3.5 * LEASE_MS, aCalls));
    const b = replica('replica-b', slowed(ac.contract, 0, bCalls));
    const proposal = await passedAmendment(a, 'Amended slowly.');
    const running = enactDue(a.deps, proposal.id);
    const tries: string[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(LEASE_MS / 4);
      tries.push(await enactDue(b.deps, proposal.id));
    }
    assert.equal(await running, 'enacted');
    assert.deepEqual(new Set(tries), new Set(['skipped']), 'B never got the claim');
    assert.deepEqual([aCalls.n, bCalls.n], [1, 0]);
    const stored = await a.deps.store.proposal(proposal.id);
    assert.equal(stored?.status, 'enacted');
    assert.ok(await versionsWithHash(proposal.contentHash));
    for (let i = 0; i < 100 && !enacted.includes(proposal.id); i++) await sleep(20);
    assert.equal(enacted.filter((id) => id === proposal.id).length, 1);
  });

  it('a replica that lost its claim changes nothing: the other enacts, the owner recognises the repeat', async () => {
    const aCalls = { n: 0 };
    const a = replica('replica-c', slowed(ac.contract, 2 * LEASE_MS, aCalls));
    // B's clock is ten minutes ahead: A's claim looks expired to it although A renews it.
    const b = replica('replica-d', ac.contract, 600_000);
    const proposal = await passedAmendment(a, 'Amended twice over.');
    const running = enactDue(a.deps, proposal.id);
    await sleep(LEASE_MS / 2);
    assert.equal(await enactDue(b.deps, proposal.id), 'enacted');
    assert.equal(await running, 'skipped', "A's late attempt changes nothing: the claim is B's");
    assert.equal(aCalls.n, 1, 'A did call the owner (its call was already running)');
    const stored = await a.deps.store.proposal(proposal.id);
    assert.equal(stored?.status, 'enacted');
    assert.equal(stored?.lastError, null, "A's refused finish left no failure behind");
    const number = await versionsWithHash(proposal.contentHash);
    assert.ok(number !== undefined, 'the amendment is the active version');
    assert.equal((await ac.contract.activeVersion())?.number, number, 'published once (no later version)');
    for (let i = 0; i < 100 && !enacted.includes(proposal.id); i++) await sleep(20);
    await sleep(200);
    assert.equal(enacted.filter((id) => id === proposal.id).length, 1, 'one council.proposal.enacted');
  });
});
