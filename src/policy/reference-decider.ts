/**
 * A decider built on @bufbuild/cel's interpreter, with its own (deliberately naive) index and
 * combining. It is the oracle of the differential tests and the interpreter baseline of the
 * benchmark; production decisions go through `compilePolicySet`.
 */
import { planReference, type ReferenceProgram, toReferenceBindings } from './cel-reference-evaluator.js';
import type { CheckedPolicy } from './policy-checker.js';
import type { Effect } from './policy-model.js';
import type { DecisionRequest } from './request-validator.js';
import type { Vocabulary } from './vocabulary-parser.js';

export interface ReferenceDecision {
  readonly decision: Effect;
  /** Ids of matched policies (including deny/review policies that failed: fail-closed). */
  readonly matched: readonly string[];
  /** Ids of policies whose condition failed. */
  readonly errored: readonly string[];
  readonly defaultApplied: boolean;
}

export interface ReferenceDecider {
  decide(request: DecisionRequest): ReferenceDecision;
  /** Decides with bindings already converted by `bind` (what the benchmark times). */
  decideBound(actionType: string, bindings: Record<string, unknown>): ReferenceDecision;
  bind(request: DecisionRequest): Record<string, unknown>;
}

export function createReferenceDecider(
  policies: readonly CheckedPolicy[],
  vocabulary: Vocabulary,
  defaultDecision: Effect,
): ReferenceDecider {
  const programs = policies.map((p) => ({
    policy: p.policy,
    run: planReference(p.policy.condition) as ReferenceProgram,
  }));
  const byAction = new Map<string, typeof programs>();
  const forAction = (type: string) => {
    let list = byAction.get(type);
    if (list === undefined) {
      list = programs.filter((p) => p.policy.target.actions.some((a) => a === type || a === '*'));
      byAction.set(type, list);
    }
    return list;
  };
  const decideBound = (actionType: string, bindings: Record<string, unknown>): ReferenceDecision => {
    const matched: string[] = [];
    const errored: string[] = [];
    const effects = new Set<Effect>();
    for (const { policy, run } of forAction(actionType)) {
      const outcome = run(bindings);
      const ok = 'value' in outcome && typeof outcome.value === 'boolean';
      if (ok && outcome.value === true) {
        matched.push(policy.id);
        effects.add(policy.effect);
      } else if (!ok) {
        errored.push(policy.id);
        if (policy.effect !== 'allow') {
          matched.push(policy.id);
          effects.add(policy.effect);
        }
      }
    }
    const decision: Effect = effects.has('deny')
      ? 'deny'
      : effects.has('review')
        ? 'review'
        : effects.has('allow')
          ? 'allow'
          : defaultDecision;
    return { decision, matched, errored, defaultApplied: effects.size === 0 };
  };
  const bind = (request: DecisionRequest) => toReferenceBindings(vocabulary, request);
  return {
    decide: (request) => decideBound(request.action.type, bind(request)),
    decideBound,
    bind,
  };
}
