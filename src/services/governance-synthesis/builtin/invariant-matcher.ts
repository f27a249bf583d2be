/**
 * Which invariants of a constitution hold (their `when`) for a request, computed with the policy
 * engine itself so `when` has exactly the policy language's semantics: every invariant becomes a
 * deny policy on every action in one engine whose default is allow, and the matched policies are
 * the invariants that apply. A `when` that fails to evaluate counts as holding (fail-closed).
 */
import type { ConstitutionDocument, Invariant } from '../../../kernel/contracts/constitution.js';
import { compilePolicySet, type Policy, type Vocabulary } from '../../../policy/index.js';

export interface ConstitutionInvariant extends Invariant {
  readonly principleId: string;
}

export interface InvariantMatcher {
  readonly invariants: readonly ConstitutionInvariant[];
  /** The invariants whose `when` holds for the request (throws POLICY_REQUEST_INVALID on a bad request). */
  applicable(request: unknown): readonly ConstitutionInvariant[];
}

/** Every invariant of the document, with its principle. */
export function invariantsOf(document: ConstitutionDocument): ConstitutionInvariant[] {
  return document.principles.flatMap((p) => p.invariants.map((inv) => ({ ...inv, principleId: p.id })));
}

/** Compiles the document's invariants into one matcher. */
export function compileInvariantMatcher(
  document: ConstitutionDocument,
  vocabulary: Vocabulary,
): InvariantMatcher {
  const invariants = invariantsOf(document);
  const byId = new Map(invariants.map((inv) => [inv.id, inv]));
  const policies: Policy[] = invariants.map((inv) => ({
    id: inv.id,
    version: 1,
    description: inv.reason,
    principles: [inv.principleId],
    target: { actions: ['*'] },
    condition: inv.when,
    effect: 'deny',
    priority: 0,
    obligations: [],
  }));
  const engine = compilePolicySet(policies, vocabulary, { defaultDecision: 'allow' });
  return {
    invariants,
    applicable(request) {
      const matched = new Set(engine.decide(request).matched.map((m) => m.policyId));
      return invariants.filter((inv) => matched.has(inv.id) && byId.has(inv.id));
    },
  };
}
