/**
 * Operators on the set's structure: turn an allow into a review, split a policy in two (by its
 * target actions, or by a conjunct and its negation), merge two policies that differ only in
 * their targets or only in their conditions, and retire a policy.
 */
import type { Policy } from '../../../policy/index.js';
import { conjunctsOf, conjunctText, joinConjuncts } from './condition-edit.js';
import type { MutationOperator } from './operator.js';
import { derivedId, editPolicies } from './variant-policies.js';

export const allowToReview: MutationOperator = {
  id: 'allow-to-review',
  apply({ policies, random }) {
    const allows = policies.filter((p) => p.effect === 'allow');
    if (allows.length === 0) return undefined;
    const policy = random.pick(allows);
    return {
      policies: editPolicies(policies, { put: [{ ...policy, effect: 'review' }] }),
      note: `${policy.id}: allow → review`,
    };
  },
};

export const splitPolicy: MutationOperator = {
  id: 'split-policy',
  apply({ policies, material, random, iteration }) {
    if (policies.length === 0) return undefined;
    const policy = random.pick(policies);
    const [a, b] = [derivedId(policy.id, `${iteration}a`), derivedId(policy.id, `${iteration}b`)];
    if (policy.target.actions.length > 1) {
      const cut = 1 + random.int(policy.target.actions.length - 1);
      const parts: Policy[] = [
        { ...policy, id: a, target: { actions: policy.target.actions.slice(0, cut) } },
        { ...policy, id: b, target: { actions: policy.target.actions.slice(cut) } },
      ];
      return {
        policies: editPolicies(policies, { remove: [policy.id], put: parts }),
        note: `${policy.id}: split by action into ${a}, ${b}`,
      };
    }
    if (material.atoms.length === 0) return undefined;
    const atom = random.pick(material.atoms);
    const texts = (conjunctsOf(policy.condition) ?? []).map(conjunctText).filter((t) => t !== 'true');
    const negated = atom.startsWith('!') ? atom.slice(1) : `!(${atom})`;
    const parts: Policy[] = [
      { ...policy, id: a, condition: joinConjuncts([...texts, atom]) },
      { ...policy, id: b, condition: joinConjuncts([...texts, negated]) },
    ];
    return {
      policies: editPolicies(policies, { remove: [policy.id], put: parts }),
      note: `${policy.id}: split on ${atom} into ${a}, ${b}`,
    };
  },
};

export const mergePolicies: MutationOperator = {
  id: 'merge-policies',
  apply({ policies, random }) {
    const pairs: [Policy, Policy][] = [];
    for (let i = 0; i < policies.length; i++)
      for (let j = i + 1; j < policies.length; j++) {
        const [p, q] = [policies[i]!, policies[j]!];
        if (p.effect !== q.effect) continue;
        const sameTarget = sameList(p.target.actions, q.target.actions);
        if (sameTarget || p.condition === q.condition) pairs.push([p, q]);
      }
    if (pairs.length === 0) return undefined;
    const [p, q] = random.pick(pairs);
    const merged: Policy =
      p.condition === q.condition
        ? { ...p, target: { actions: [...new Set([...p.target.actions, ...q.target.actions])].sort() } }
        : { ...p, condition: `(${p.condition}) || (${q.condition})` };
    return {
      policies: editPolicies(policies, {
        remove: [q.id],
        put: [{ ...merged, principles: [...new Set([...p.principles, ...q.principles])].sort() }],
      }),
      note: `${p.id} + ${q.id} merged`,
    };
  },
};

export const retirePolicy: MutationOperator = {
  id: 'retire-policy',
  apply({ policies, random }) {
    if (policies.length === 0) return undefined;
    const policy = random.pick(policies);
    return { policies: editPolicies(policies, { remove: [policy.id] }), note: `${policy.id} retired` };
  },
};

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
}
