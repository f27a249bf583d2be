/**
 * A CEL condition as a predicate on requests: compiled once as a one-policy set (allow when it
 * holds, deny otherwise). Used for invariants' `when`s and the operators' conjuncts.
 */
import { compilePolicySet, type PolicyEngine, type Vocabulary } from '../../../policy/index.js';

/** The predicate, or undefined when the condition does not check against the vocabulary. */
export function compilePredicate(condition: string, vocabulary: Vocabulary): PolicyEngine | undefined {
  try {
    return compilePolicySet(
      [{ id: 'predicate', target: { actions: ['*'] }, condition, effect: 'allow' }],
      vocabulary,
      {
        defaultDecision: 'deny',
      },
    );
  } catch {
    return undefined;
  }
}

/** Whether it holds on `request`; an invalid request or an evaluation error counts as not holding. */
export function predicateHolds(predicate: PolicyEngine, request: unknown): boolean {
  try {
    return predicate.decide(request).decision === 'allow';
  } catch {
    return false;
  }
}
