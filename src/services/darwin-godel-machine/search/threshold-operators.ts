/**
 * Tighten or loosen a numeric threshold: one `attribute op number` comparison of one policy
 * moves to a neighbouring candidate number for that measure (from the mutation material, or
 * half / double the current one) — the nearest ones at which the policy matches a different set
 * of training requests: a move the training split cannot see would only make a neutral child.
 * Tighten means the condition matches fewer requests, loosen more, whatever the policy's effect.
 */

import type { Policy } from '../../../policy/index.js';
import { compilePredicate, predicateHolds } from './cel-predicate.js';
import {
  conjunctsOf,
  conjunctText,
  growingNarrows,
  joinConjuncts,
  numericComparisons,
  withLiteral,
} from './condition-edit.js';
import type { MutationOperator, OperatorInput } from './operator.js';
import { editPolicies } from './variant-policies.js';

function moveThreshold(input: OperatorInput, tighten: boolean) {
  const sites = input.policies.flatMap((policy) => {
    const conjuncts = conjunctsOf(policy.condition) ?? [];
    return conjuncts.flatMap((node, at) =>
      numericComparisons(node).map((comparison) => ({ policy, conjuncts, at, node, comparison })),
    );
  });
  if (sites.length === 0) return undefined;
  const site = input.random.pick(sites);
  const { value, path, op, literal } = site.comparison;
  const up = growingNarrows(op) === tighten;
  const integral = literal.type !== 'double';
  const pool = [...(input.material.thresholds.get(path) ?? []), value * 2, value / 2, value + (up ? 1 : -1)]
    .map((v) => (integral ? Math.round(v) : v))
    .filter((v) => (up ? v > value : v < value));
  const conditionWith = (v: number) =>
    joinConjuncts(
      site.conjuncts.map((c, i) =>
        i === site.at ? conjunctText(withLiteral(c, literal, v)) : conjunctText(c),
      ),
    );
  const matches = matchesOnTraining(input, site.policy);
  const nearest = [...new Set(pool)]
    .sort((a, b) => Math.abs(a - value) - Math.abs(b - value))
    .filter((v) => {
      const moved = matchesOnTraining(input, { ...site.policy, condition: conditionWith(v) });
      return moved?.some((m, i) => m !== matches?.[i]) ?? false;
    })
    .slice(0, 2);
  if (nearest.length === 0) return undefined;
  const next = input.random.pick(nearest);
  const policy = { ...site.policy, condition: conditionWith(next) };
  return {
    policies: editPolicies(input.policies, { put: [policy] }),
    note: `${policy.id}: ${path} ${op} ${value} → ${next}`,
  };
}

export const tightenThreshold: MutationOperator = {
  id: 'tighten-threshold',
  apply: (input) => moveThreshold(input, true),
};

export const loosenThreshold: MutationOperator = {
  id: 'loosen-threshold',
  apply: (input) => moveThreshold(input, false),
};

/** Whether `policy`'s condition holds on each training request of its actions, in order. */
function matchesOnTraining(input: OperatorInput, policy: Policy): boolean[] | undefined {
  const predicate = compilePredicate(policy.condition, input.material.vocabulary);
  if (predicate === undefined) return undefined;
  const all = policy.target.actions.includes('*');
  const out: boolean[] = [];
  for (const request of input.material.training.values()) {
    const action = (request.action as { type?: unknown } | undefined)?.type;
    if (all || (typeof action === 'string' && policy.target.actions.includes(action)))
      out.push(predicateHolds(predicate, request));
  }
  return out;
}
