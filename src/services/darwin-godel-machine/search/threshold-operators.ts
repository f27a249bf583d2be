/**
 * Tighten or loosen a numeric threshold: one `attribute op number` comparison of one policy
 * moves to a neighbouring candidate number for that attribute (from the mutation material, or
 * half / double the current one). Tighten means the condition matches fewer requests, loosen
 * more, whatever the policy's effect.
 */
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
  if (pool.length === 0) return undefined;
  const nearest = [...new Set(pool)].sort((a, b) => Math.abs(a - value) - Math.abs(b - value)).slice(0, 3);
  const next = input.random.pick(nearest);
  const texts = site.conjuncts.map((c, i) =>
    i === site.at ? conjunctText(withLiteral(c, literal, next)) : conjunctText(c),
  );
  const policy = { ...site.policy, condition: joinConjuncts(texts) };
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
