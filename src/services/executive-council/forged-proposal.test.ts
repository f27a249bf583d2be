/**
 * #20 done-when 2 with the real council: a proposal cannot be forged into an enactment. The
 * constitution service's enactment route (over HTTP, with real access tokens of `svc-ec` and
 * `svc-pgc`) asks the real council service (its own tables, SQLite, local bus) whether a proposal
 * authorises the content. Votes with a forged signature, from a non-member or for other content are
 * refused and not counted, so their proposal never passes and enacts nothing; a passed proposal
 * authorises only the content it binds by hash; an unknown proposal authorises nothing; only the
 * council's credential may enact at all. The positive control shows the same request succeeds when
 * everything is genuine; the amendment it enacts gives amendments a one-hour timelock, so that the
 * last test can show that a rejected proposal, and a passed one still in its timelock, enact nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { serveModule } from '../../../test/support/contract-servers.js';
import {
  contextWithConstitution,
  quickAmendmentDocument,
} from '../../../test/support/council-constitution.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import { createExecutiveCouncilService, type ExecutiveCouncilService } from './service.js';
import { councilMigrations } from './store.js';
import { castVote } from './usecases/cast-vote.js';
import { openProposal } from './usecases/open-proposal.js';
import { seatMember } from './usecases/seat-member.js';
import { generateMemberKey, signVote, type VoteChoice } from './vote-payload.js';

const issuer = await createTestTokenIssuer();
const asCouncil = await issuer.headers('svc-ec', ['service'], 'service');
const asPgc = await issuer.headers('svc-pgc', ['service'], 'service');
const KEYS = { alice: generateMemberKey(), bob: generateMemberKey(), zed: generateMemberKey() };

describe('a forged council proposal enacts nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-council-forged-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let context: ServiceContext;
  let ec: ExecutiveCouncilService;
  let app: FastifyInstance;
  const base = quickAmendmentDocument();
  // Amendment A, the one finally enacted, puts amendments under a one-hour timelock.
  const amendedA = {
    ...base,
    description: 'Amendment A.',
    councilRules: {
      ...base.councilRules,
      'amend-constitution': { ...base.councilRules['amend-constitution'], timelockHours: 1 },
    },
  };
  const amendedB = { ...base, description: 'Amendment B.' };

  before(async () => {
    context = await contextWithConstitution(database, dir, base, {
      ac: constitutionMigrations,
      ec: councilMigrations,
    });
    const ac = createConstitutionalAiService(context, { council: () => ec.contract });
    // The council's scheduler is not started: nothing is enacted but what the test asks for.
    ec = createExecutiveCouncilService(context, { constitution: ac.contract, policies: () => undefined });
    await ac.start?.();
    app = (await serveModule(ac, issuer.authenticator, context.activeConstitution)).app;
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
    await app.close();
    await ec.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The hash of the version the genuine enactment published. */
  let enactedHash = '';

  const amend = (document: unknown, title: string) =>
    openProposal(ec.deps, { kind: 'amend-constitution', title, content: { document } }, 'admin');

  function signed(
    proposalId: string,
    contentHash: string,
    memberId: string,
    choice: VoteChoice,
    signer: keyof typeof KEYS,
  ) {
    const fields = { proposalId, contentHash, memberId, choice, time: new Date().toISOString() };
    return { ...fields, signature: signVote(fields, KEYS[signer].privateKeyPem) };
  }

  const enact = (headers: Record<string, string>, proposalId: string, document: unknown) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/constitution/enactments',
      headers,
      payload: { document, proposalId, enactedBy: `council:${proposalId}` },
    });

  it('forged votes (another key, a non-member, other content) are refused, so the proposal never passes and enacts nothing', async () => {
    const forged = await amend(amendedA, 'Forged into passing');
    const other = await amend(amendedB, 'Other content');
    const attempts = [
      [signed(forged.id, forged.contentHash, 'alice', 'yes', 'zed'), 'COUNCIL_VOTE_SIGNATURE_INVALID'],
      [signed(forged.id, forged.contentHash, 'zed', 'yes', 'zed'), 'COUNCIL_VOTER_NOT_ELIGIBLE'],
      [signed(forged.id, other.contentHash, 'alice', 'yes', 'alice'), 'COUNCIL_VOTE_CONTENT_MISMATCH'],
    ] as const;
    for (const [vote, code] of attempts) await assert.rejects(castVote(ec.deps, vote), { code });
    const stored = await ec.deps.store.proposal(forged.id);
    assert.deepEqual([stored?.status, stored?.voteSeq], ['open', 0], 'no forged vote was counted');
    const refused = await enact(asCouncil, forged.id, amendedA);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    assert.match(refused.json().detail, /is open, not passed/);
  });

  it('a passed proposal authorises only the content it binds; an unknown one nothing; another service never', async () => {
    const passed = await amend(amendedA, 'Genuine amendment');
    // Alice's weight settles it: 2 of 3 voted yes, even bob's no cannot change the outcome.
    await castVote(ec.deps, signed(passed.id, passed.contentHash, 'alice', 'yes', 'alice'));
    assert.equal((await ec.deps.store.proposal(passed.id))?.status, 'queued');

    const otherContent = await enact(asCouncil, passed.id, amendedB);
    assert.equal(otherContent.statusCode, 409, otherContent.body);
    assert.equal(otherContent.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    assert.match(otherContent.json().detail, new RegExp(`binds content ${passed.contentHash.slice(0, 16)}`));

    const unknown = await enact(asCouncil, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', amendedA);
    assert.equal(unknown.statusCode, 409, unknown.body);
    assert.match(unknown.json().detail, /no such council proposal/);

    const notTheCouncil = await enact(asPgc, passed.id, amendedA);
    assert.equal(notTheCouncil.statusCode, 403, notTheCouncil.body);

    const genuine = await enact(asCouncil, passed.id, amendedA);
    assert.equal(genuine.statusCode, 201, genuine.body);
    assert.equal(genuine.json().hash, passed.contentHash);
    enactedHash = passed.contentHash;
  });

  it('under the enacted rules, a rejected proposal and a passed one still in its timelock enact nothing', async () => {
    const rejected = await amend({ ...amendedA, description: 'Amendment R.' }, 'Rejected amendment');
    // Alice's weight (2 of 3) settles it the other way.
    await castVote(ec.deps, signed(rejected.id, rejected.contentHash, 'alice', 'no', 'alice'));
    assert.equal((await ec.deps.store.proposal(rejected.id))?.status, 'rejected');
    const refusedRejected = await enact(asCouncil, rejected.id, { ...amendedA, description: 'Amendment R.' });
    assert.equal(refusedRejected.statusCode, 409, refusedRejected.body);
    assert.equal(refusedRejected.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    assert.match(refusedRejected.json().detail, /is rejected, not passed/);

    const amendedC = { ...amendedA, description: 'Amendment C.' };
    const timelocked = await amend(amendedC, 'Passed, in its timelock');
    await castVote(ec.deps, signed(timelocked.id, timelocked.contentHash, 'alice', 'yes', 'alice'));
    const queued = await ec.deps.store.proposal(timelocked.id);
    assert.equal(queued?.status, 'queued', 'it passed');
    const early = await enact(asCouncil, timelocked.id, amendedC);
    assert.equal(early.statusCode, 409, early.body);
    assert.equal(early.json().code, 'CONSTITUTION_ENACTMENT_UNAUTHORIZED');
    assert.match(early.json().detail, /is in its timelock until/);
    const active = await app.inject({ method: 'GET', url: '/api/v1/constitution/active/hash' });
    assert.equal(active.statusCode, 200, active.body);
    assert.equal(active.json().hash, enactedHash, 'the last genuine enactment is still the active version');
  });
});
