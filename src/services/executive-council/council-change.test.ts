/**
 * Membership changes that cannot apply are refused, when a member is seated and when a
 * change-council proposal opens, with problem pointers; and one that stopped applying while it
 * was voted on (another change took the id it adds) fails at enactment with the reason instead of
 * being applied in part. Before, a second seat for a member's key was accepted (its holder could
 * sign for both), every such change-council opened, `add: [null]` was a 500, and an added id that
 * was taken meanwhile was skipped in silence at enactment. Also here, on the same council: a vote
 * refused for its proposal (unknown, closed, not a lower-case UUID) names the route's `/params/id`,
 * where it named `/body/proposalId`, which no vote body has, or nothing; and an `adopt-variant`
 * proposal does not open through the general route (before, any policy author opened one for a
 * run, variant and bundle that did not exist: only the DGM raises it, for an admissible variant);
 * and an amendment back to an earlier version fails at enactment with the reason (before, it was
 * marked enacted, `alreadyEnacted`, while the constitution stayed as it was).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exampleDocument } from '../../../test/support/constitution-fixture.js';
import { contextWithConstitution, signedVote } from '../../../test/support/council-constitution.js';
import { PlatformError } from '../../kernel/errors.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from './service.js';
import { councilMigrations, type Proposal } from './store.js';
import { castVote } from './usecases/cast-vote.js';
import { cancelProposal } from './usecases/close-proposal.js';
import { openProposal } from './usecases/open-proposal.js';
import { proposeVariantAdoption } from './usecases/propose-variant-adoption.js';
import { seatMember } from './usecases/seat-member.js';
import { generateMemberKey } from './vote-payload.js';

const KEYS = { alice: generateMemberKey(), bob: generateMemberKey(), zed: generateMemberKey() };

describe('membership changes that cannot apply', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-change-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let context: ServiceContext;
  let ec: ExecutiveCouncilService;
  const example = exampleDocument();
  const document = {
    ...example,
    councilRules: {
      ...example.councilRules,
      'change-council': { quorum: 0.5, threshold: 'simple', votingWindowHours: 1, timelockHours: 0 },
      'amend-constitution': { quorum: 0.5, threshold: 'simple', votingWindowHours: 1, timelockHours: 0 },
    },
  };

  before(async () => {
    context = await contextWithConstitution(database, dir, document, {
      ac: constitutionMigrations,
      ec: councilMigrations,
    });
    const ac = createConstitutionalAiService(context, { council: () => ec.contract });
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => undefined });
    await ac.start?.();
    for (const [memberId, weight] of [
      ['alice', 2],
      ['bob', 1],
    ] as const)
      await seatMember(
        ec.deps,
        { memberId, displayName: memberId, publicKey: KEYS[memberId].publicKey, weight },
        'admin',
      );
  });

  after(async () => {
    await ec.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The pointers of the problem a call is refused with, after checking its code. */
  async function refusal(call: Promise<unknown>, code: string): Promise<string[]> {
    const error = await call.then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof PlatformError, String(error));
    assert.equal(error.code, code, error.message);
    return (error.errors ?? []).map((e) => e.pointer);
  }

  const zed = { memberId: 'zed', displayName: 'Zed', publicKey: KEYS.zed.publicKey, weight: 1 };
  const change = (content: Record<string, unknown>) =>
    openProposal(ec.deps, { kind: 'change-council', title: 'change', content }, 'admin');

  it('a second member with a seated member’s key is not seated', async () => {
    const pointers = await refusal(
      seatMember(ec.deps, { ...zed, publicKey: KEYS.bob.publicKey }, 'admin'),
      'COUNCIL_MEMBER_EXISTS',
    );
    assert.deepEqual(pointers, ['/body/publicKey']);
  });

  it('a change-council that cannot apply does not open', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ add: [{ ...zed, memberId: 'alice' }] }, ['/body/content/add/0/memberId']],
      [{ add: [{ ...zed, publicKey: KEYS.bob.publicKey }] }, ['/body/content/add/0/publicKey']],
      [{ add: [zed, zed] }, ['/body/content/add/1/memberId', '/body/content/add/1/publicKey']],
      [{ remove: ['nobody'] }, ['/body/content/remove/0']],
      [{ remove: ['bob', 'bob'] }, ['/body/content/remove/1']],
      [{ remove: ['alice', 'bob'] }, ['/body/content/remove']],
      [{ reweight: [{ memberId: 'nobody', weight: 3 }] }, ['/body/content/reweight/0/memberId']],
      [
        { remove: ['bob'], reweight: [{ memberId: 'bob', weight: 3 }] },
        ['/body/content/reweight/0/memberId'],
      ],
      [
        { add: [null] },
        [
          '/body/content/add/0/memberId',
          '/body/content/add/0/displayName',
          '/body/content/add/0/publicKey',
          '/body/content/add/0/weight',
        ],
      ],
    ];
    for (const [content, pointers] of cases)
      assert.deepEqual(
        await refusal(change(content), 'COUNCIL_PROPOSAL_INVALID'),
        pointers,
        JSON.stringify(content),
      );
    assert.equal((await ec.deps.store.proposals({ limit: 100 })).length, 0, 'none opened');
  });

  it('a vote refused for its proposal names the route’s id', async () => {
    const vote = (proposal: { id: string; contentHash: string }) =>
      castVote(ec.deps, signedVote(proposal, 'bob', 'yes', KEYS.bob.privateKeyPem));
    const unknown = { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', contentHash: 'ab'.repeat(32) };
    assert.deepEqual(await refusal(vote(unknown), 'COUNCIL_PROPOSAL_NOT_FOUND'), ['/params/id']);
    const upper = { ...unknown, id: unknown.id.toUpperCase() };
    assert.deepEqual(await refusal(vote(upper), 'COUNCIL_PROPOSAL_INVALID'), ['/params/id']);
    const cancelled = await change({ reweight: [{ memberId: 'bob', weight: 2 }] });
    await cancelProposal(ec.deps, cancelled.id, 'admin');
    assert.deepEqual(await refusal(vote(cancelled), 'COUNCIL_PROPOSAL_CLOSED'), ['/params/id']);
  });

  it('adopt-variant opens only through the DGM’s contract, not the general route', async () => {
    const content = { bundleId: 'e'.repeat(64), runId: 'no-run', variantId: 'no-variant' };
    const general = openProposal(ec.deps, { kind: 'adopt-variant', title: 'bogus', content }, 'author');
    assert.deepEqual(await refusal(general, 'COUNCIL_KIND_UNAVAILABLE'), ['/body/kind']);
    const raised = await proposeVariantAdoption(ec.deps, { ...content, summary: 'admissible' }, 'svc-dgm');
    assert.deepEqual([raised.kind, raised.contentHash], ['adopt-variant', content.bundleId]);
  });

  it('an amendment to a published text is refused when proposed, and fails at enactment if published meanwhile', async () => {
    const first = await ec.deps.constitution.activeVersion();
    const open = (doc: unknown) =>
      openProposal(
        ec.deps,
        { kind: 'amend-constitution', title: 'amend', content: { document: doc } },
        'admin',
      );
    const pass = async (proposal: Proposal) => {
      await castVote(ec.deps, signedVote(proposal, 'alice', 'yes', KEYS.alice.privateKeyPem));
      await ec.scheduler.tick();
      return (await ec.deps.store.proposal(proposal.id))!;
    };
    await assert.rejects(open(first?.document), (error: PlatformError) => {
      assert.equal(error.code, 'COUNCIL_AMENDMENT_PUBLISHED');
      assert.match(error.message, /version 1/);
      return true;
    });
    // Two amendments to the same new text: the first enacted publishes it, so the second, which
    // opened before, fails at enactment with the reason instead of passing for enacted.
    const amendedText = { ...document, description: 'Amended.' };
    const [one, two] = [await open(amendedText), await open(amendedText)];
    assert.equal((await pass(one)).status, 'enacted');
    const amended = await ec.deps.constitution.activeVersion();
    assert.notEqual(amended?.hash, first?.hash);
    await assert.rejects(open(first?.document), { code: 'COUNCIL_AMENDMENT_PUBLISHED' });
    const late = await pass(two);
    assert.equal(late.status, 'failed');
    assert.match(late.lastError ?? '', /already published as version 2/);
    assert.equal((await ec.deps.constitution.activeVersion())?.hash, amended?.hash, 'nothing changed');
  });

  it('a change overtaken while it was voted on fails at enactment with the reason; nothing of it applies', async () => {
    const first = await change({ add: [zed] });
    const second = await change({ add: [{ ...zed, weight: 7 }], reweight: [{ memberId: 'bob', weight: 5 }] });
    for (const proposal of [first, second]) {
      await castVote(ec.deps, signedVote(proposal, 'alice', 'yes', KEYS.alice.privateKeyPem));
      await ec.scheduler.tick();
    }
    const [enacted, failed] = [
      await ec.deps.store.proposal(first.id),
      await ec.deps.store.proposal(second.id),
    ];
    assert.equal(enacted?.status, 'enacted');
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.lastError ?? '', /\/content\/add\/0\/memberId: already taken/);
    const members = new Map((await ec.deps.store.members()).map((m) => [m.memberId, m.weight]));
    assert.deepEqual([members.get('zed'), members.get('bob')], [1, 1], 'the failed change applied nothing');
  });
});
