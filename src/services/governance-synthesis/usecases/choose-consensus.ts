/**
 * Consensus among candidates: they are grouped by what they decide, not by their text — two
 * candidates are in one group when the formal verifier proves that no request is decided
 * differently by them (its impact check finds no change). The largest group wins (on a tie, the
 * group formed first); every other group is reported with a request on which it decides
 * differently from the winner, and both decisions.
 */
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import { compilePolicySet, type Effect, type Policy, parseVocabulary } from '../../../policy/index.js';
import { scenarioExamples } from '../builtin/builtin-synthesizer.js';

/** How two candidates compare: the same decision for every request, or a request that tells them apart. */
export type EquivalenceVerdict =
  | { readonly equivalent: true }
  | {
      readonly equivalent: false;
      /** A request decided `decisions[0]` by the first candidate and `decisions[1]` by the second. */
      readonly request?: Readonly<Record<string, unknown>>;
      readonly decisions?: readonly [Effect, Effect];
      /** Why no request is given: the verifier could not settle the comparison. */
      readonly reason?: string;
    };

/** Compares two candidate policy sets. */
export interface Equivalence {
  /** `verifier` (proved over all requests) or `scenarios` (the constitution's scenarios only). */
  readonly method: 'verifier' | 'scenarios';
  compare(a: readonly Policy[], b: readonly Policy[]): Promise<EquivalenceVerdict>;
}

export interface ConsensusGroup {
  /** Indexes of the candidates in the group, in order. */
  readonly members: readonly number[];
}

export interface Disagreement {
  /** The group that lost, and a request on which it decides otherwise than the winner. */
  readonly group: number;
  readonly members: readonly number[];
  readonly request?: Readonly<Record<string, unknown>>;
  readonly winnerDecision?: Effect;
  readonly groupDecision?: Effect;
  readonly reason?: string;
}

export interface ConsensusReport {
  readonly method: Equivalence['method'];
  readonly groups: readonly ConsensusGroup[];
  /** The winning group's index in `groups`. */
  readonly winner: number;
  /** The candidate handed over: the winning group's first. */
  readonly chosen: number;
  readonly disagreements: readonly Disagreement[];
}

/**
 * Groups `candidates` (policy sets, by index) and picks the largest group. Each candidate is
 * compared with the first member of each group until one proves equivalent.
 */
export async function chooseByConsensus(
  candidates: readonly { readonly index: number; readonly policies: readonly Policy[] }[],
  equivalence: Equivalence,
): Promise<ConsensusReport> {
  const groups: number[][] = [];
  const verdicts = new Map<string, EquivalenceVerdict>(); // "a:b" → verdict(a, b)
  const policiesOf = new Map(candidates.map((c) => [c.index, c.policies]));
  for (const candidate of candidates) {
    let joined = false;
    for (const group of groups) {
      const first = group[0]!;
      const verdict = await equivalence.compare(policiesOf.get(first)!, candidate.policies);
      verdicts.set(`${first}:${candidate.index}`, verdict);
      if (verdict.equivalent) {
        group.push(candidate.index);
        joined = true;
        break;
      }
    }
    if (!joined) groups.push([candidate.index]);
  }
  const winner = groups.reduce((best, group, i) => (group.length > groups[best]!.length ? i : best), 0);
  const chosen = groups[winner]![0]!;
  const disagreements: Disagreement[] = [];
  for (const [i, group] of groups.entries()) {
    if (i === winner) continue;
    const other = group[0]!;
    const direct = verdicts.get(`${chosen}:${other}`);
    const reverse = verdicts.get(`${other}:${chosen}`);
    if (direct !== undefined) disagreements.push(disagreementOf(i, group, direct, false));
    else if (reverse !== undefined) disagreements.push(disagreementOf(i, group, reverse, true));
    else {
      const verdict = await equivalence.compare(policiesOf.get(chosen)!, policiesOf.get(other)!);
      disagreements.push(disagreementOf(i, group, verdict, false));
    }
  }
  return {
    method: equivalence.method,
    groups: groups.map((members) => ({ members })),
    winner,
    chosen,
    disagreements,
  };
}

function disagreementOf(
  group: number,
  members: readonly number[],
  verdict: EquivalenceVerdict,
  flip: boolean,
): Disagreement {
  if (verdict.equivalent) return { group, members, reason: 'equivalent on a second comparison' };
  const [first, second] = verdict.decisions ?? [];
  return {
    group,
    members,
    ...(verdict.request === undefined ? {} : { request: verdict.request }),
    ...(first === undefined || second === undefined
      ? {}
      : flip
        ? { winnerDecision: second, groupDecision: first }
        : { winnerDecision: first, groupDecision: second }),
    ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
  };
}

/**
 * Equivalence as the formal verifier decides it: `b` verified against `a` (invariants and the
 * impact check); equivalent only when the impact is proved `equivalent`. A change found comes
 * with its request; an unsettled comparison counts as not equivalent, with the solver's reason.
 */
export function verifierEquivalence(
  verifier: VerificationContract,
  version: Pick<ConstitutionVersion, 'hash' | 'document'>,
  requestedBy: string,
): Equivalence {
  return {
    method: 'verifier',
    async compare(a, b) {
      const report = await verifier.verify({
        policies: b,
        against: a,
        constitutionHash: version.hash,
        constitution: version.document,
        invariantsOnly: true,
        requestedBy,
      });
      const impact = report.impact;
      if (impact?.classification === 'equivalent') return { equivalent: true };
      const change = impact?.changes[0];
      if (change !== undefined)
        return { equivalent: false, request: change.example, decisions: [change.from, change.to] };
      return {
        equivalent: false,
        reason: `the verifier could not settle it: ${impact?.unknown.map((u) => u.reason).join('; ') ?? 'no impact report'}`,
      };
    },
  };
}

/**
 * Equivalence on the constitution's scenarios alone (for a process with no verifier): two sets
 * that decide every scenario alike are grouped together. Weaker than the verifier's, and named
 * so in the report.
 */
export function scenarioEquivalence(version: Pick<ConstitutionVersion, 'document'>): Equivalence {
  const vocabulary = parseVocabulary(version.document.vocabulary);
  const examples = scenarioExamples(version.document);
  const options = { defaultDecision: version.document.defaultDecision };
  return {
    method: 'scenarios',
    async compare(a, b) {
      const first = compilePolicySet(a, vocabulary, options);
      const second = compilePolicySet(b, vocabulary, options);
      for (const ex of examples) {
        const x = first.decide(ex.request).decision;
        const y = second.decide(ex.request).decision;
        if (x !== y) return { equivalent: false, request: ex.request, decisions: [x, y] };
      }
      return { equivalent: true };
    },
  };
}
