/**
 * The invariants of one constitution version, compiled with the policy library. Each invariant
 * runs as a deny policy targeting every action, so `when` has exactly the policy language's
 * semantics; `applicable(request)` lists the invariants whose `when` holds for the request.
 *
 * A `when` that fails to evaluate (e.g. it reads an optional attribute the request lacks
 * without a `has()` guard) counts as holding: the invariant applies, fail-closed, and the
 * evaluation error is reported with it.
 */
import { policyErrors } from './errors.js';
import { compilePolicySet, type PolicyEngine } from './policy-engine.js';
import type { Effect, Policy } from './policy-model.js';
import { compileRequestValidator } from './request-validator.js';
import type { Vocabulary } from './vocabulary-parser.js';

export interface InvariantSpec {
  readonly principleId: string;
  readonly id: string;
  readonly when: string;
  readonly forbid: readonly Effect[];
  readonly reason: string;
}

export interface ApplicableInvariant {
  readonly principleId: string;
  readonly invariantId: string;
  readonly when: string;
  readonly forbid: readonly Effect[];
  readonly reason: string;
  /** Set when `when` could not be evaluated and the invariant applies fail-closed. */
  readonly error?: string;
}

export interface InvariantSet {
  readonly invariants: readonly InvariantSpec[];
  /**
   * The invariants that apply to a request, in constitution order. Throws `POLICY_REQUEST_INVALID`
   * (every failing field) when the request does not match the vocabulary.
   */
  applicable(request: unknown): readonly ApplicableInvariant[];
}

/**
 * An invariant as a policy: `when` as the condition of a deny policy on every action, so the
 * policy checker type-checks `when` with the language's rules and the engine evaluates it with
 * the language's semantics (a `when` that fails to evaluate counts as matched, fail-closed).
 */
export function invariantAsPolicy(inv: InvariantSpec): Policy {
  return {
    id: inv.id,
    version: 1,
    description: inv.reason,
    principles: [inv.principleId],
    target: { actions: ['*'] },
    condition: inv.when,
    effect: 'deny',
    priority: 0,
    obligations: [],
  };
}

/** Compiles invariants whose `when` predicates have already been type-checked. */
export function compileInvariants(
  invariants: readonly InvariantSpec[],
  vocabulary: Vocabulary,
): InvariantSet {
  // One single-policy engine per invariant: `decide` then says exactly whether `when` held (or
  // failed, which a deny policy counts as matched), at the engine's speed.
  const engines: { inv: InvariantSpec; engine: PolicyEngine }[] = invariants.map((inv) => ({
    inv,
    engine: compilePolicySet([invariantAsPolicy(inv)], vocabulary, { defaultDecision: 'allow' }),
  }));
  const validate = compileRequestValidator(vocabulary);
  return {
    invariants,
    applicable(request) {
      const problems = validate(request);
      if (problems !== undefined)
        throw policyErrors.create(
          'POLICY_REQUEST_INVALID',
          `${problems[0]!.pointer || '/'}: ${problems[0]!.detail}`,
          { errors: problems },
        );
      const out: ApplicableInvariant[] = [];
      for (const { inv, engine } of engines) {
        const result = engine.decide(request);
        if (result.defaultApplied) continue;
        const error = result.matched[0]?.error;
        out.push({
          principleId: inv.principleId,
          invariantId: inv.id,
          when: inv.when,
          forbid: inv.forbid,
          reason: inv.reason,
          ...(error === undefined ? {} : { error }),
        });
      }
      return out;
    },
  };
}
