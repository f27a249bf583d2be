/**
 * The failure-guided operator: like the Darwin Gödel Machine's self-modification, which starts
 * from the parent's own evaluation logs, it takes one training scenario the parent decided
 * wrongly and proposes a general change that would decide it as expected: a new policy for
 * its action whose conditions are one or two conjuncts of the material that hold on it, or a
 * conjunct that does not hold on it added to a policy that decided it wrongly. Only training
 * failures are visible here; whether the change generalizes is for the evaluator to judge.
 */
import type { Effect, Policy, PolicyEngine } from '../../../policy/index.js';
import { conjunctsOf, conjunctText, joinConjuncts } from './condition-edit.js';
import type { Mutation, MutationOperator, OperatorInput, TrainingFailure } from './operator.js';
import { editPolicies } from './variant-policies.js';

const STRICTNESS: Record<Effect, number> = { allow: 0, review: 1, deny: 2 };

export const patchFailure: MutationOperator = {
  id: 'patch-failure',
  apply(input) {
    if (input.failures.length === 0) return undefined;
    const failure = input.random.pick(input.failures);
    const request = input.material.training.get(failure.key);
    const action = (request?.action as { type?: unknown } | undefined)?.type;
    if (request === undefined || typeof action !== 'string') return undefined;
    const holding: number[] = [];
    const failing: number[] = [];
    for (let i = 0; i < input.material.atoms.length; i++)
      (input.material.holds(i, request) ? holding : failing).push(i);
    // Too strict (a wrong deny or review): a new, laxer policy helps only if no stricter one matched.
    const wrongStricter = STRICTNESS[failure.got] > STRICTNESS[failure.expected];
    const blockers = input.policies.filter(
      (p) =>
        failure.matched.includes(p.id) && (wrongStricter ? p.effect === failure.got : p.effect !== 'deny'),
    );
    const strategies: (() => Mutation | undefined)[] = [];
    if (blockers.length > 0 && failing.length > 0)
      strategies.push(() => narrow(input, input.random.pick(blockers), failing, failure));
    if (!wrongStricter || blockers.length === 0)
      if (holding.length > 0) strategies.push(() => grant(input, action, holding, failure));
    if (strategies.length === 0) return undefined;
    return input.random.pick(strategies)();
  },
};

/**
 * A new policy for `action` with the expected effect, on one or two conjuncts that hold on the
 * scenario. Each candidate is tried the way a reader of the evaluation log would: the parent's
 * policies for this action plus the new one decide the training scenarios of this action, and
 * the candidates that get most of them right — less those the new policy would lock into a
 * stricter decision than expected — are kept; the operator draws among those, and
 * tries a second conjunct only when one is not enough (as general as the training split allows).
 */
function grant(input: OperatorInput, action: string, holding: number[], failure: TrainingFailure) {
  const { material, random } = input;
  const relevant = input.policies.filter(
    (p) => p.target.actions.includes(action) || p.target.actions.includes('*'),
  );
  const peers = [...material.training].filter(([, r]) => (r.action as { type?: unknown }).type === action);
  // A scenario the new policy matches but that expects a laxer decision is lost for good (deny
  // overrides review overrides allow: no later policy can decide it as expected while this one
  // matches), even if the parent already decided it wrongly; it counts against the candidate.
  // One it would decide as an invariant forbids makes the child inadmissible: no candidate.
  const tryAtoms = (atoms: readonly string[]) => {
    const policy = draft(input, action, atoms, failure);
    const engine = material.compile([...relevant, policy]);
    if (engine === undefined) return { right: Number.NEGATIVE_INFINITY, breaks: true };
    let right = 0;
    let breaks = false;
    for (const [key, request] of peers) {
      const expected = material.expectations.get(key)!;
      const result = decide(engine, request);
      const mine = result?.matched.some((m) => m.policyId === policy.id) ?? false;
      if (mine && result !== undefined && material.forbids(request).has(result.decision)) breaks = true;
      if (result?.decision === expected) right++;
      else if (mine && STRICTNESS[expected] < STRICTNESS[policy.effect]) right--;
    }
    return { right, breaks };
  };
  // Among equally right candidates, the constitution's reasons first: conjuncts of the
  // invariants that speak of this request.
  const reasons = material.reasons(material.training.get(failure.key));
  const reasoned = (atoms: readonly string[]) =>
    atoms.filter((a) => reasons.has(material.atoms.indexOf(a))).length;
  const tryAll = (options: string[][]) =>
    options.map((atoms) => ({ atoms, ...tryAtoms(atoms), why: reasoned(atoms) }));
  type Tried = ReturnType<typeof tryAll>[number];
  const best = (tried: Tried[], admissible: boolean) => {
    const pool = admissible ? tried.filter((t) => !t.breaks) : tried;
    if (pool.length === 0) return undefined;
    const top = Math.max(...pool.map((t) => t.right));
    const right = pool.filter((t) => t.right === top);
    const why = Math.max(...right.map((t) => t.why));
    return { top, atoms: random.pick(right.filter((t) => t.why === why)).atoms };
  };
  const singles = tryAll(holding.map((i) => [material.atoms[i]!]));
  const single = best(singles, true);
  let atoms = single?.atoms;
  if (single === undefined || single.top < peers.length) {
    // A second conjunct, next to the best single one (the best that breaks nothing, else the best).
    const anchor = (single ?? best(singles, false))!.atoms[0]!;
    const pairs = holding
      .filter((i) => material.atoms[i] !== anchor)
      .map((i) => [anchor, material.atoms[i]!].sort());
    const paired = best(tryAll(pairs), true);
    if (paired !== undefined && (single === undefined || paired.top > single.top)) atoms = paired.atoms;
  }
  if (atoms === undefined) return undefined;
  const policy = draft(input, action, atoms, failure);
  return {
    policies: editPolicies(input.policies, { put: [policy] }),
    note: `new ${policy.effect} policy ${policy.id} for ${action}: ${policy.condition}`,
  };
}

function decide(engine: PolicyEngine, request: unknown): ReturnType<PolicyEngine['decide']> | undefined {
  try {
    return engine.decide(request);
  } catch {
    return undefined;
  }
}

function draft(
  input: OperatorInput,
  action: string,
  atoms: readonly string[],
  failure: TrainingFailure,
): Policy {
  const cited = input.policies.filter((p) => p.target.actions.includes(action)).flatMap((p) => p.principles);
  return {
    id: `dgm.${input.iteration}`,
    version: 1,
    description: `Found by the evolution search from a ${failure.expected} it missed`,
    principles: [...new Set(cited)].sort(),
    target: { actions: [action] },
    condition: joinConjuncts(atoms),
    effect: failure.expected,
    priority: 0,
    obligations: [],
  };
}

/** `policy` no longer matches the scenario: one conjunct that does not hold on it is added. */
function narrow(input: OperatorInput, policy: Policy, failing: number[], failure: TrainingFailure) {
  const atom = input.material.atoms[input.random.pick(failing)]!;
  const texts = (conjunctsOf(policy.condition) ?? []).map(conjunctText).filter((t) => t !== 'true');
  if (texts.includes(atom)) return undefined;
  return {
    policies: editPolicies(input.policies, {
      put: [{ ...policy, condition: joinConjuncts([...texts, atom]) }],
    }),
    note: `${policy.id}: && ${atom} (it decided ${failure.got} where ${failure.expected} was expected)`,
  };
}
