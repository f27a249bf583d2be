/**
 * A mutation operator: takes the parent's policies (data) and returns a child's, or undefined
 * when it does not apply to this parent (then the search draws another). Operators see the
 * mutation material and the parent's training failures, never the evaluator, its suites or the
 * held-out split; what they return is validated as a policy set like any other input.
 */
import type { Policy } from '../../../policy/index.js';
import type { MutationMaterial } from './mutation-material.js';
import type { SeededRandom } from './seeded-random.js';
import type { VariantPolicies } from './variant-policies.js';

/** A training scenario the parent decided wrongly, as its evaluation recorded it. */
export interface TrainingFailure {
  readonly key: string;
  readonly expected: Policy['effect'];
  readonly got: Policy['effect'];
  /** Policies that counted towards the wrong decision. */
  readonly matched: readonly string[];
}

export interface OperatorInput {
  readonly policies: VariantPolicies;
  readonly failures: readonly TrainingFailure[];
  readonly material: MutationMaterial;
  readonly random: SeededRandom;
  /** The iteration number, for ids of new policies. */
  readonly iteration: number;
  /** The constitution version the run evaluates against. */
  readonly constitutionHash: string;
}

export interface Mutation {
  readonly policies: readonly unknown[];
  /** What changed, for the lineage (e.g. "payments.review-external-large: 9000 → 4500"). */
  readonly note: string;
}

export interface MutationOperator {
  readonly id: string;
  apply(input: OperatorInput): Mutation | undefined | Promise<Mutation | undefined>;
}
