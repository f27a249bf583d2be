/**
 * The report the verifier produces (the JSON of `acgs verify --json` and of the service). Every
 * witness is valid request JSON that the compiled engine has decided as the report says.
 */
import type { ConstitutionDecision } from '../../kernel/contracts/constitution.js';

export type Decision = ConstitutionDecision;

/** A request and what the engine made of it. */
export interface Witness {
  readonly request: Record<string, unknown>;
  readonly decision: Decision;
  /** Policies that counted towards the decision (matched, or failed fail-closed as deny/review). */
  readonly matched: readonly string[];
  /** Policies whose condition failed to evaluate. */
  readonly errors: readonly { readonly policyId: string; readonly message: string }[];
}

export interface InvariantResult {
  readonly id: string;
  readonly principleId: string;
  readonly status: 'proved' | 'violated' | 'unknown';
  readonly forbid: readonly Decision[];
  /** For `unknown`: why; for `violated`: the invariant's reason. */
  readonly reason?: string;
  readonly counterexample?: Witness;
}

export interface ConflictResult {
  readonly policies: readonly [string, string];
  readonly effects: readonly [Decision, Decision];
  /** The stricter effect, which wins whenever both count (deny > review > allow). */
  readonly winner: Decision;
  readonly witness: Witness;
}

export interface PolicyFinding {
  readonly policyId: string;
  readonly status: 'dead' | 'shadowed' | 'unknown';
  readonly reason: string;
}

export interface PolicyCoverage {
  readonly id: string;
  readonly verifiable: boolean;
  /** The constructs outside the verifiable subset, with the sub-expression. */
  readonly reasons: readonly string[];
}

export type ChangeKind = 'narrowing' | 'widening';

export interface DecisionChange {
  readonly from: Decision;
  readonly to: Decision;
  readonly kind: ChangeKind;
  /** A request decided `from` by the old set and `to` by the new one (both engines agree). */
  readonly example: Record<string, unknown>;
}

export interface ImpactReport {
  /** `equivalent` when no request changes decision. */
  readonly classification: 'equivalent' | 'narrowing' | 'widening' | 'mixed' | 'unknown';
  readonly changes: readonly DecisionChange[];
  /** Decision pairs the solver could not settle. */
  readonly unknown: readonly { readonly from: Decision; readonly to: Decision; readonly reason: string }[];
}

export interface VerificationReport {
  readonly policySetHash: string;
  readonly constitutionHash?: string;
  readonly solver: string;
  readonly defaultDecision: Decision;
  readonly coverage: {
    readonly policies: number;
    readonly verifiable: number;
    /** Verifiable conditions (policies and invariant `when`s) over all conditions, 0..1. */
    readonly ratio: number;
  };
  readonly policies: readonly PolicyCoverage[];
  readonly invariants: readonly InvariantResult[];
  readonly conflicts: readonly ConflictResult[];
  readonly findings: readonly PolicyFinding[];
  readonly impact?: ImpactReport;
  /** Disagreements between the model and the engine and other verifier problems (should be empty). */
  readonly notes: readonly string[];
  readonly summary: {
    readonly proved: number;
    readonly violated: number;
    readonly unknown: number;
    readonly conflicts: number;
    readonly dead: number;
    readonly shadowed: number;
  };
  readonly durationMs: number;
}
