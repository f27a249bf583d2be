/**
 * Which invariants of a constitution hold (their `when`) for a request, with the policy library's
 * invariant set (src/policy/invariant-set.ts, the same the Constitutional AI service compiles),
 * so `when` has exactly the policy language's semantics. A `when` that fails to evaluate counts
 * as holding (fail-closed).
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import { compileInvariants, type InvariantSpec, type Vocabulary } from '../../../policy/index.js';

export type ConstitutionInvariant = InvariantSpec;

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
  const set = compileInvariants(invariants, vocabulary);
  const byId = new Map(invariants.map((inv) => [inv.id, inv]));
  return {
    invariants,
    applicable: (request) => set.applicable(request).map((a) => byId.get(a.invariantId)!),
  };
}
