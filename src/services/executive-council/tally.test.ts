/**
 * The council's rules (docs/council.md §3), one table row per documented edge, and a property:
 * the outcome never depends on the order in which votes arrive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ThresholdName } from '../../kernel/contracts/constitution.js';
import { outcomeOf, settledOutcome, type TalliedVote, tally } from './tally.js';

type Row = {
  readonly edge: string;
  readonly quorum: number;
  readonly threshold: ThresholdName;
  readonly weights: Record<string, number>;
  readonly votes: [member: string, choice: 'yes' | 'no' | 'abstain', timeMs?: number][];
  readonly removed?: string[];
  readonly expected: 'passed' | 'rejected' | 'expired';
  /** The early-close verdict with these votes (undefined: still open). */
  readonly settled?: 'passed' | 'rejected';
};

const FIVE = { a: 3, b: 2, c: 2, d: 1, e: 1 }; // total 9

const ROWS: Row[] = [
  {
    edge: 'exactly at the simple threshold (50 %) fails: it must be exceeded',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 1, b: 1 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'just over the simple threshold passes',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 501, b: 499 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'exactly at super (0.667) fails',
    quorum: 0.1,
    threshold: 'super',
    weights: { a: 667, b: 333 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'one thousandth over super passes',
    quorum: 0.1,
    threshold: 'super',
    weights: { a: 668, b: 332 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'exactly at qualified (0.75) fails',
    quorum: 0.1,
    threshold: 'qualified',
    weights: { a: 3, b: 1 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'unanimous: one no among yes fails',
    quorum: 0.1,
    threshold: 'unanimous',
    weights: { a: 100, b: 1 },
    votes: [
      ['a', 'yes'],
      ['b', 'no'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'unanimous: all yes with abstentions passes',
    quorum: 0.5,
    threshold: 'unanimous',
    weights: { a: 1, b: 1 },
    votes: [
      ['a', 'yes'],
      ['b', 'abstain'],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'only abstentions: quorum met, threshold never',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 1, b: 1 },
    votes: [
      ['a', 'abstain'],
      ['b', 'abstain'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'abstentions count towards quorum only',
    quorum: 0.66,
    threshold: 'simple',
    weights: { a: 1, b: 1, c: 1 },
    votes: [
      ['a', 'yes'],
      ['b', 'abstain'],
    ],
    expected: 'passed',
  },
  {
    edge: 'quorum reached exactly is enough',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 1, b: 1 },
    votes: [['a', 'yes']],
    expected: 'passed',
  },
  {
    edge: 'quorum missed by one unit of weight expires',
    quorum: 0.67,
    threshold: 'qualified',
    weights: FIVE,
    votes: [
      ['a', 'yes'],
      ['b', 'yes'],
    ],
    expected: 'expired',
  },
  {
    edge: 'amend-constitution: 7 of 9 weight vote, all yes, passes',
    quorum: 0.67,
    threshold: 'qualified',
    weights: FIVE,
    votes: [
      ['a', 'yes'],
      ['b', 'yes'],
      ['c', 'yes'],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'early close: passing is settled when all the rest voting no cannot stop it',
    quorum: 0.5,
    threshold: 'simple',
    weights: FIVE,
    votes: [
      ['a', 'yes'],
      ['b', 'yes'],
      ['c', 'yes'],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'early close: failing is settled when all the rest voting yes cannot pass it',
    quorum: 0.5,
    threshold: 'qualified',
    weights: FIVE,
    votes: [
      ['a', 'no'],
      ['b', 'no'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
  {
    edge: 'a changed vote: the latest signed one counts',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 2, b: 1 },
    votes: [
      ['a', 'no', 1],
      ['b', 'yes', 2],
      ['a', 'yes', 3],
    ],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'a removed member: weight leaves the electorate, votes no longer count',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 2, b: 1, c: 1 },
    votes: [
      ['a', 'no'],
      ['b', 'yes'],
      ['c', 'yes'],
    ],
    removed: ['a'],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'a removed member can drop the electorate below quorum',
    quorum: 0.75,
    threshold: 'simple',
    weights: { a: 1, b: 1, c: 2 },
    votes: [
      ['a', 'yes'],
      ['b', 'yes'],
    ],
    removed: ['c'],
    expected: 'passed',
    settled: 'passed',
  },
  {
    edge: 'a vote from outside the electorate (joined after opening) is not counted',
    quorum: 0.5,
    threshold: 'simple',
    weights: { a: 1, b: 1 },
    votes: [
      ['a', 'no'],
      ['z', 'yes'],
    ],
    expected: 'rejected',
    settled: 'rejected',
  },
];

describe('tally: every documented edge', () => {
  for (const row of ROWS) {
    it(row.edge, () => {
      const votes: TalliedVote[] = row.votes.map(([memberId, choice, timeMs], i) => ({
        memberId,
        choice,
        timeMs: timeMs ?? i,
        seq: i + 1,
      }));
      const rule = { quorum: row.quorum, threshold: row.threshold };
      const result = tally(rule, new Map(Object.entries(row.weights)), votes, new Set(row.removed ?? []));
      assert.equal(outcomeOf(result), row.expected);
      assert.equal(settledOutcome(rule, result), row.settled);
    });
  }

  it('weights changed mid-vote do not apply: the electorate snapshot at opening is what counts', () => {
    const atOpening = new Map([
      ['a', 1],
      ['b', 3],
    ]);
    const votes: TalliedVote[] = [
      { memberId: 'a', choice: 'yes', timeMs: 1, seq: 1 },
      { memberId: 'b', choice: 'no', timeMs: 2, seq: 2 },
    ];
    assert.equal(outcomeOf(tally({ quorum: 0.5, threshold: 'simple' }, atOpening, votes)), 'rejected');
  });
});

describe('tally: order independence (property)', () => {
  const choice = fc.constantFrom('yes', 'no', 'abstain') as fc.Arbitrary<'yes' | 'no' | 'abstain'>;
  it('the outcome and the tally never depend on the order the votes arrive in', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 1000 }), {
          minKeys: 1,
        }),
        fc.array(
          fc.record({
            memberId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'x'),
            choice,
            timeMs: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { maxLength: 30 },
        ),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.constantFrom<ThresholdName>('simple', 'super', 'qualified', 'unanimous'),
        fc.subarray(['a', 'b', 'c']),
        fc.infiniteStream(fc.nat()),
        (weights, raw, quorum, threshold, removed, shuffle) => {
          // Distinct signed times per member, as the service enforces (a member's later vote counts).
          const seen = new Set<string>();
          const votes = raw
            .filter((v) => !seen.has(`${v.memberId}:${v.timeMs}`) && seen.add(`${v.memberId}:${v.timeMs}`))
            .map((v, i) => ({ ...v, seq: i + 1 }));
          const permuted = [...votes];
          const it = shuffle[Symbol.iterator]();
          for (let i = permuted.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [permuted[i], permuted[j]] = [permuted[j]!, permuted[i]!];
          }
          const rule = { quorum, threshold };
          const electorate = new Map(Object.entries(weights));
          const a = tally(rule, electorate, votes, new Set(removed));
          const b = tally(rule, electorate, permuted, new Set(removed));
          assert.deepEqual(b, a);
          assert.equal(outcomeOf(b), outcomeOf(a));
          assert.equal(settledOutcome(rule, b), settledOutcome(rule, a));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an early-settled outcome is the outcome whatever the members who have not voted then do', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 7 }),
        fc.array(choice, { minLength: 7, maxLength: 7 }),
        fc.array(choice, { minLength: 7, maxLength: 7 }),
        fc.integer({ min: 0, max: 7 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.constantFrom<ThresholdName>('simple', 'super', 'qualified', 'unanimous'),
        (weightList, first, later, cut, quorum, threshold) => {
          const electorate = new Map(weightList.map((w, i) => [`m${i}`, w]));
          const members = [...electorate.keys()];
          const rule = { quorum, threshold };
          const early = members
            .slice(0, cut)
            .map((m, i) => ({ memberId: m, choice: first[i]!, timeMs: i, seq: i + 1 }));
          const settled = settledOutcome(rule, tally(rule, electorate, early));
          if (settled === undefined) return;
          const rest = members
            .slice(cut)
            .map((m, i) => ({ memberId: m, choice: later[i]!, timeMs: 100 + i, seq: 100 + i }));
          const final = outcomeOf(tally(rule, electorate, [...early, ...rest]));
          // 'rejected' early covers a later 'expired' too: either way it does not pass.
          assert.equal(final === 'passed', settled === 'passed');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
