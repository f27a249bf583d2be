/**
 * The offline audit: agrees with a correctly decided proposal; names the entry of an edited vote, a
 * deleted vote (also one whose deletion leaves the tally as it was), a copied one and a moved line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditedEntry, auditCouncil } from './council-audit.js';
import { COUNCIL_EVENTS } from './council-events.js';
import { outcomeOf, tally } from './tally.js';
import { generateMemberKey, signVote, type VoteChoice } from './vote-payload.js';

const PROPOSAL = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const CONTENT = 'ab'.repeat(32);
const RULE = { quorum: 0.67, threshold: 'qualified' as const, votingWindowHours: 1, timelockHours: 0 };

function exportOf() {
  const members = [
    ['alice', 3],
    ['bob', 2],
    ['carol', 2],
    ['dan', 1],
    ['erin', 1],
  ].map(([memberId, weight]) => ({
    memberId: String(memberId),
    weight: Number(weight),
    ...generateMemberKey(),
  }));
  const entries: AuditedEntry[] = [
    {
      index: 10,
      type: COUNCIL_EVENTS.proposalOpened,
      source: 'ec',
      payload: {
        proposalId: PROPOSAL,
        kind: 'amend-constitution',
        contentHash: CONTENT,
        rule: RULE,
        electorate: members.map(({ memberId, weight, publicKey }) => ({ memberId, weight, publicKey })),
      },
    },
  ];
  const choices: [string, VoteChoice][] = [
    ['alice', 'yes'],
    ['bob', 'no'],
    ['carol', 'yes'],
    ['dan', 'yes'],
    ['bob', 'yes'],
  ];
  choices.forEach(([memberId, choice], i) => {
    const fields = {
      proposalId: PROPOSAL,
      contentHash: CONTENT,
      choice,
      memberId,
      time: new Date(1_800_000_000_000 + i).toISOString(),
    };
    const key = members.find((m) => m.memberId === memberId)!;
    entries.push({
      index: 11 + i,
      type: COUNCIL_EVENTS.voteCast,
      source: 'ec',
      payload: { ...fields, seq: i + 1, signature: signVote(fields, key.privateKeyPem) },
    });
  });
  const counted = choices.map(([memberId, choice], i) => ({ memberId, choice, timeMs: i, seq: i + 1 }));
  const result = tally(RULE, new Map(members.map((m) => [m.memberId, m.weight])), counted);
  entries.push({
    index: 20,
    type: COUNCIL_EVENTS.proposalClosed,
    source: 'ec',
    payload: {
      proposalId: PROPOSAL,
      outcome: outcomeOf(result),
      early: false,
      tally: result,
      votesCounted: 5,
      removed: [],
    },
  });
  return { entries, outcome: outcomeOf(result) };
}

describe('council audit', () => {
  it('recomputes the tally from the entries and agrees with the service', () => {
    const { entries, outcome } = exportOf();
    assert.equal(outcome, 'passed');
    const report = auditCouncil(entries);
    assert.deepEqual(report.problems, []);
    assert.equal(report.proposals[0]!.agrees, true);
    assert.equal(report.proposals[0]!.validVotes, 5);
  });

  it('names the entry index of a vote whose choice was edited, and the tally it no longer supports', () => {
    const { entries } = exportOf();
    const edited = entries.map((e) =>
      e.index === 14 ? { ...e, payload: { ...(e.payload as object), choice: 'no' } } : e,
    );
    const report = auditCouncil(edited);
    assert.equal(report.problems[0]!.index, 14);
    assert.match(report.problems[0]!.detail, /vote 4 by dan \(no\): the signature does not verify/);
    assert.equal(report.proposals[0]!.validVotes, 4);
  });

  it("names a deleted vote entry, also bob's changed-away no whose deletion leaves the tally as it was", () => {
    const { entries } = exportOf();
    const report = auditCouncil(entries.filter((e) => e.index !== 12));
    assert.deepEqual(
      report.problems.map((p) => [p.index, p.detail]),
      [[20, 'vote 2 missing from the export (the service numbers votes 1..5)']],
    );
    assert.equal(report.proposals[0]!.agrees, true, 'the tally alone does not show it');
    const lastGone = auditCouncil(entries.filter((e) => e.index !== 15)).problems.map((p) => p.detail);
    assert.ok(lastGone.includes('vote 5 missing from the export (the service numbers votes 1..5)'));
  });

  it('names a copied vote entry and a line moved out of the log order', () => {
    const { entries } = exportOf();
    const copied = auditCouncil([...entries.slice(0, 3), { ...entries[2]!, index: 16 }, ...entries.slice(3)]);
    assert.ok(copied.problems.some((p) => p.index === 16 && p.detail === 'vote 2 appears more than once'));
    const moved = [...entries];
    [moved[1], moved[2]] = [moved[2]!, moved[1]!];
    assert.deepEqual(
      auditCouncil(moved).problems.map((p) => [p.index, p.detail]),
      [[11, 'out of order: listed after entry 12']],
    );
  });

  it('reports a closing whose tally the votes do not give', () => {
    const { entries } = exportOf();
    const forged = entries.map((e) =>
      e.index === 20 ? { ...e, payload: { ...(e.payload as { tally: object }), outcome: 'rejected' } } : e,
    );
    const report = auditCouncil(forged);
    assert.equal(report.problems.length, 1);
    assert.equal(report.problems[0]!.index, 20);
    assert.match(report.problems[0]!.detail, /outcome rejected, recomputed passed/);
  });

  it('counts only the council’s own entries: a proposal, votes and a closing appended by another service are reported, not audited', () => {
    const { entries } = exportOf();
    // svc-dgm (any service may append entries of any type under its own source) makes up an
    // amendment that "passed" with one valid vote of its own key, and re-opens the real proposal
    // with its own electorate.
    const forger = generateMemberKey();
    const fake = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
    const time = new Date(1_800_000_000_000).toISOString();
    const electorate = [{ memberId: 'mallory', weight: 1, publicKey: forger.publicKey }];
    const vote = {
      proposalId: fake,
      contentHash: CONTENT,
      choice: 'yes' as const,
      memberId: 'mallory',
      time,
    };
    const tallied = { eligible: 1, yes: 1, no: 0, abstain: 0, voted: 1, quorumMet: true, thresholdMet: true };
    const byDgm = { source: 'dgm', writer: 'svc-dgm' };
    const forged: AuditedEntry[] = [
      ...entries,
      {
        index: 30,
        type: COUNCIL_EVENTS.proposalOpened,
        ...byDgm,
        payload: {
          proposalId: fake,
          kind: 'amend-constitution',
          contentHash: CONTENT,
          rule: RULE,
          electorate,
        },
      },
      {
        index: 31,
        type: COUNCIL_EVENTS.voteCast,
        ...byDgm,
        payload: { ...vote, seq: 1, signature: signVote(vote, forger.privateKeyPem) },
      },
      {
        index: 32,
        type: COUNCIL_EVENTS.proposalClosed,
        ...byDgm,
        payload: {
          proposalId: fake,
          outcome: 'passed',
          early: false,
          tally: tallied,
          votesCounted: 1,
          removed: [],
        },
      },
      {
        index: 33,
        type: COUNCIL_EVENTS.proposalOpened,
        ...byDgm,
        payload: {
          proposalId: PROPOSAL,
          kind: 'amend-constitution',
          contentHash: CONTENT,
          rule: RULE,
          electorate,
        },
      },
    ];
    const report = auditCouncil(forged);
    assert.deepEqual(
      report.proposals.map((p) => [p.proposalId, p.validVotes, p.agrees]),
      [[PROPOSAL, 5, true]],
      'the made-up proposal is not audited, the real one keeps its electorate',
    );
    assert.deepEqual(
      report.problems.map((p) => p.index),
      [30, 31, 32, 33],
    );
    assert.match(
      report.problems[0]!.detail,
      /council\.proposal\.opened from source dgm \(writer svc-dgm\), not the council/,
    );
  });
});
