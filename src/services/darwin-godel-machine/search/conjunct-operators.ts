/**
 * Add a conjunct from the vocabulary's material to one policy (it matches fewer requests), or
 * drop one of a policy's conjuncts (it matches more).
 */
import { conjunctsOf, conjunctText, joinConjuncts } from './condition-edit.js';
import type { MutationOperator } from './operator.js';
import { editPolicies } from './variant-policies.js';

export const addConjunct: MutationOperator = {
  id: 'add-conjunct',
  apply({ policies, material, random }) {
    if (policies.length === 0 || material.atoms.length === 0) return undefined;
    const policy = random.pick(policies);
    const texts = (conjunctsOf(policy.condition) ?? []).map(conjunctText);
    const atom = random.pick(material.atoms);
    if (texts.includes(atom)) return undefined;
    const condition = joinConjuncts([...texts.filter((t) => t !== 'true'), atom]);
    return {
      policies: editPolicies(policies, { put: [{ ...policy, condition }] }),
      note: `${policy.id}: && ${atom}`,
    };
  },
};

export const dropConjunct: MutationOperator = {
  id: 'drop-conjunct',
  apply({ policies, random }) {
    const candidates = policies.filter((p) => (conjunctsOf(p.condition)?.length ?? 0) >= 2);
    if (candidates.length === 0) return undefined;
    const policy = random.pick(candidates);
    const texts = (conjunctsOf(policy.condition) ?? []).map(conjunctText);
    const at = random.int(texts.length);
    return {
      policies: editPolicies(policies, {
        put: [{ ...policy, condition: joinConjuncts(texts.filter((_, i) => i !== at)) }],
      }),
      note: `${policy.id}: without ${texts[at]}`,
    };
  },
};
