/**
 * The service's evaluator. It is built from a constitution version alone — its suites pinned
 * by hash (`pinned-suites.ts`), its vocabulary and default decision — and takes a variant's
 * policies as its only input, so nothing a variant contains can reach the suites, the split or
 * the scoring: a variant is compiled by the policy engine and asked for decisions, and that is
 * all it can do. Scores per split:
 *
 * - accuracy: share of scenarios decided as expected;
 * - falseAllowCost: the stakes of the scenarios wrongly allowed over the stakes of all that
 *   should not be allowed, a scenario's stake being the priority (0..100, as a share) of the most
 *   important principle whose invariant speaks of its request (0.5 when none does);
 * - reviewShare: share of decisions sent to a person (the human cost); only the excess over
 *   the share the suites expect is penalized;
 * - policyCount: size of the set;
 * - decisionCost: mean static cost (CEL nodes, loops by their bound) of the conditions a request
 *   runs — the deterministic stand-in for decision latency, so a score never depends on timing.
 *
 * score = accuracy − 0.25·falseAllowCost − 0.05·reviewExcess − 0.002·sizeGrowth
 *         − 0.01·costGrowth / (costGrowth + 1000), clamped to [0, 1]
 *
 * where the growths are over the reference set (the run's base): correctness dominates, a wrong
 * allow where much is at stake costs more than a wrong deny, and a set that grows or slows
 * decisions pays for it. Shrinking earns nothing: a policy that no training scenario exercises
 * must not be retired for a prize, since the held-out split may need it.
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import { parseCondition } from '../../../policy/cel-ast.js';
import { estimateCost } from '../../../policy/cel-cost-estimator.js';
import {
  compilePolicySet,
  type PolicyEngine,
  parseVocabulary,
  type Vocabulary,
} from '../../../policy/index.js';
import { compilePredicate, predicateHolds } from '../search/cel-predicate.js';
import type { TrainingFailure } from '../search/operator.js';
import { normalizeVariant, type VariantPolicies } from '../search/variant-policies.js';
import { type PinnedScenario, type PinnedSuites, pinSuites } from './pinned-suites.js';

export const SCORE_WEIGHTS = Object.freeze({
  falseAllowCost: 0.25,
  reviewExcess: 0.05,
  sizeGrowth: 0.002,
  costGrowth: 0.01,
});

/** Half the decision-cost penalty is reached at this growth of the mean cost (CEL nodes per request). */
const COST_SCALE = 1000;

export interface SplitScores {
  readonly score: number;
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  readonly falseAllowCost: number;
  readonly reviewShare: number;
  readonly policyCount: number;
  readonly decisionCost: number;
}

export interface SplitEvaluation {
  readonly scores: SplitScores;
  /** The scenarios decided wrongly (for the training split: what the failure-guided operator reads). */
  readonly failures: readonly TrainingFailure[];
  /**
   * Invariants (ids, sorted) that a decision on this split breaks: a scenario's request where the
   * invariant's `when` holds was decided as one of its `forbid`s — a concrete counterexample, so
   * the variant is inadmissible whatever the verifier would add.
   */
  readonly breached: readonly string[];
}

/** A variant compiled for evaluation, or why it does not compile. */
export type CompiledVariant =
  | { readonly ok: true; readonly policies: VariantPolicies; readonly engine: PolicyEngine }
  | { readonly ok: false; readonly problems: readonly string[] };

export class VariantEvaluator {
  readonly suites: PinnedSuites;
  readonly #vocabulary: Vocabulary;
  readonly #defaultDecision: ConstitutionDocument['defaultDecision'];
  readonly #stakes = new Map<string, number>();
  readonly #costs = new Map<string, number>();
  /** Per scenario key: the invariants that hold on its request, with what they forbid. */
  readonly #forbidden = new Map<
    string,
    readonly { readonly id: string; readonly forbid: readonly string[] }[]
  >();
  #reference: { readonly policyCount: number; readonly decisionCost: number };

  /** `reference`: the set whose size and decision cost count as no growth (a run's base). */
  constructor(document: ConstitutionDocument, reference: readonly unknown[] = []) {
    this.suites = pinSuites(document);
    this.#vocabulary = parseVocabulary(document.vocabulary);
    this.#defaultDecision = document.defaultDecision;
    const invariants = document.principles.flatMap((p) =>
      p.invariants.map((i) => ({
        id: i.id,
        forbid: i.forbid,
        priority: p.priority,
        engine: compilePredicate(i.when, this.#vocabulary),
      })),
    );
    for (const s of [...this.suites.training, ...this.suites.heldOut]) {
      const stakes = invariants.filter((i) => i.engine !== undefined && predicateHolds(i.engine, s.request));
      this.#forbidden.set(
        s.key,
        stakes.map((i) => ({ id: i.id, forbid: i.forbid })),
      );
      this.#stakes.set(s.key, stakes.length === 0 ? 0.5 : Math.max(...stakes.map((i) => i.priority)) / 100);
    }
    this.#reference = { policyCount: 0, decisionCost: 0 };
    const base = this.compile(reference);
    if (base.ok) {
      const scores = this.evaluate(base.engine, 'training').scores;
      this.#reference = { policyCount: scores.policyCount, decisionCost: scores.decisionCost };
    }
  }

  /** Validates and compiles a variant's policies (its only input). */
  compile(input: readonly unknown[]): CompiledVariant {
    const normalized = normalizeVariant(input);
    if ('problems' in normalized) return { ok: false, problems: normalized.problems };
    try {
      const engine = compilePolicySet(normalized.policies, this.#vocabulary, {
        defaultDecision: this.#defaultDecision,
      });
      return { ok: true, policies: normalized.policies, engine };
    } catch (error) {
      return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
    }
  }

  /** Scores a compiled variant on the sample or the training split. */
  evaluate(engine: PolicyEngine, split: 'sample' | 'training'): SplitEvaluation {
    return this.#score(engine, split === 'sample' ? this.suites.sample : this.suites.training);
  }

  /** The held-out split: for reports only; the search never calls it. */
  heldOut(engine: PolicyEngine): SplitScores {
    return this.#score(engine, this.suites.heldOut).scores;
  }

  #score(engine: PolicyEngine, scenarios: readonly PinnedScenario[]): SplitEvaluation {
    const failures: TrainingFailure[] = [];
    const breached = new Set<string>();
    let correct = 0;
    let reviews = 0;
    let expectedReviews = 0;
    let wrongAllowStake = 0;
    let notAllowStake = 0;
    let cost = 0;
    for (const s of scenarios) {
      const result = engine.decide(s.request);
      const stake = this.#stakes.get(s.key) ?? 0.5;
      if (result.decision === s.expected) correct++;
      else
        failures.push({
          key: s.key,
          expected: s.expected,
          got: result.decision,
          matched: result.matched.map((m) => m.policyId),
        });
      for (const i of this.#forbidden.get(s.key) ?? [])
        if (i.forbid.includes(result.decision)) breached.add(i.id);
      if (result.decision === 'review') reviews++;
      if (s.expected === 'review') expectedReviews++;
      if (s.expected !== 'allow') {
        notAllowStake += stake;
        if (result.decision === 'allow') wrongAllowStake += stake;
      }
      for (const p of engine.policiesFor(String((s.request.action as { type: string }).type)))
        cost += this.#conditionCost(p.policy.condition);
    }
    const n = Math.max(1, scenarios.length);
    const accuracy = correct / n;
    const falseAllowCost = notAllowStake === 0 ? 0 : wrongAllowStake / notAllowStake;
    const reviewShare = reviews / n;
    const decisionCost = cost / n;
    const costGrowth = Math.max(0, decisionCost - this.#reference.decisionCost);
    const raw =
      accuracy -
      SCORE_WEIGHTS.falseAllowCost * falseAllowCost -
      SCORE_WEIGHTS.reviewExcess * Math.max(0, reviewShare - expectedReviews / n) -
      SCORE_WEIGHTS.sizeGrowth * Math.max(0, engine.policies.length - this.#reference.policyCount) -
      SCORE_WEIGHTS.costGrowth * (costGrowth / (costGrowth + COST_SCALE));
    return {
      scores: {
        score: round(Math.min(1, Math.max(0, raw))),
        accuracy: round(accuracy),
        correct,
        total: scenarios.length,
        falseAllowCost: round(falseAllowCost),
        reviewShare: round(reviewShare),
        policyCount: engine.policies.length,
        decisionCost: round(decisionCost),
      },
      failures,
      breached: [...breached].sort(),
    };
  }

  #conditionCost(condition: string): number {
    let cost = this.#costs.get(condition);
    if (cost === undefined) {
      const parsed = parseCondition(condition);
      cost = parsed.ok ? estimateCost(parsed.ast).cost : 0;
      this.#costs.set(condition, cost);
    }
    return cost;
  }
}

/** Scores are stored and compared rounded, so a float's last bits never decide a selection. */
function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
