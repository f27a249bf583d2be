/**
 * The invariants of one constitution version, compiled with the policy library. Each invariant
 * runs as a deny policy targeting every action, so `when` has exactly the policy language's
 * semantics; `applicable(request)` lists the invariants whose `when` holds for the request.
 *
 * A `when` that fails to evaluate (e.g. it reads an optional attribute the request lacks
 * without a `has()` guard) counts as holding: the invariant applies, fail-closed, and the
 * evaluation error is reported with it.
 */
import type { ConstitutionDecision } from '../../kernel/contracts/constitution.js';
import { compilePolicySet, type PolicyEngine, type Vocabulary } from '../../policy/index.js';

export interface InvariantSpec {
  readonly principleId: string;
  readonly id: string;
  readonly when: string;
  readonly forbid: readonly ConstitutionDecision[];
  readonly reason: string;
}

export interface ApplicableInvariant {
  readonly principleId: string;
  readonly invariantId: string;
  readonly when: string;
  readonly forbid: readonly ConstitutionDecision[];
  readonly reason: string;
  /** Set when `when` could not be evaluated and the invariant applies fail-closed. */
  readonly error?: string;
}

export interface InvariantSet {
  readonly invariants: readonly InvariantSpec[];
  /**
   * The invariants that apply to a request, in constitution order. Throws `REQUEST_INVALID`
   * (every failing field) when the request does not match the vocabulary.
   */
  applicable(request: unknown): readonly ApplicableInvariant[];
}

/** Compiles invariants whose `when` predicates have already been type-checked. */
export function compileInvariants(
  invariants: readonly InvariantSpec[],
  vocabulary: Vocabulary,
): InvariantSet {
  const engine: PolicyEngine = compilePolicySet(
    invariants.map((inv) => ({
      id: inv.id,
      version: 1,
      description: inv.reason,
      principles: [inv.principleId],
      target: { actions: ['*'] },
      condition: inv.when,
      effect: 'deny',
      priority: 0,
      obligations: [],
    })),
    vocabulary,
    { defaultDecision: 'deny' },
  );
  const byId = new Map(invariants.map((inv, index) => [inv.id, { inv, index }]));
  return {
    invariants,
    applicable(request) {
      const explanation = engine.explain(request);
      const out: { index: number; value: ApplicableInvariant }[] = [];
      for (const p of explanation.policies) {
        if (!p.matched && p.error === undefined) continue;
        const found = byId.get(p.policyId);
        if (found === undefined) continue;
        const { inv, index } = found;
        out.push({
          index,
          value: {
            principleId: inv.principleId,
            invariantId: inv.id,
            when: inv.when,
            forbid: inv.forbid,
            reason: inv.reason,
            ...(p.error === undefined ? {} : { error: p.error }),
          },
        });
      }
      return out.sort((a, b) => a.index - b.index).map((o) => o.value);
    },
  };
}
