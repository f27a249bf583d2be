/**
 * The Formal Verification contract and the report the verifier produces (the JSON of
 * `acgs verify --json`, of `POST /api/v1/verification/reports`, and what the PGC's activation gate
 * reads). Every witness is valid request JSON that the compiled engine has decided as the report says.
 */
import type { ConstitutionDecision, ConstitutionDocument } from './constitution.js';

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

/** What to verify: a policy set against one constitution version (and a previous set, for impact). */
export interface VerifyRequest {
  readonly policies: readonly unknown[];
  /** The constitution version whose invariants, vocabulary and default decision apply. */
  readonly constitutionHash: string;
  /** The document of that version, when the caller has it (the PGC's bundles carry it). */
  readonly constitution?: ConstitutionDocument;
  readonly against?: readonly unknown[];
  /** Only the invariants (what the activation gate needs); no conflicts, dead or shadowed policies. */
  readonly invariantsOnly?: boolean;
  /** Time limit of one solver query, ms (default 5,000). */
  readonly queryTimeoutMs?: number;
  /** Recorded with the report in the log: the caller accepts `unknown` invariants (an activation's choice). */
  readonly acceptUnverified?: boolean;
  /** Who asked (recorded in the log). */
  readonly requestedBy?: string;
}

/** Which decisions change from one policy set to another (the council's narrowing check). */
export interface ImpactRequest {
  /** The new set. */
  readonly policies: readonly unknown[];
  /** The previous set; `[]` when nothing is active (every request then gets the default decision). */
  readonly against: readonly unknown[];
  readonly constitutionHash: string;
  /** The document of that version, when the caller has it. */
  readonly constitution?: ConstitutionDocument;
  /** Time limit of one solver query, ms (default 5,000). */
  readonly queryTimeoutMs?: number;
  /** Who asked (recorded in the log). */
  readonly requestedBy?: string;
}

/**
 * The impact of a change. `classification` is `narrowing` (every changed decision moves towards
 * stricter: allow → review → deny) or `equivalent` (none changes) only when the solver has ruled
 * out every other change; `widening`, `mixed`, or `unknown` (a change could not be settled) otherwise.
 */
export interface ImpactClassification extends ImpactReport {
  readonly policySetHash: string;
  readonly previousPolicySetHash: string;
  readonly constitutionHash: string;
  readonly solver: string;
  /** Disagreements between the model and the engine (should be empty). */
  readonly notes: readonly string[];
  readonly durationMs: number;
}

/**
 * What other services may ask the Formal Verification service. Implemented in-process (the
 * verifier runs Z3 in the caller's process, off its event loop) and over HTTP by its client.
 * `verify` MUST NOT answer `proved` for an invariant it has not proved; a report it returns has
 * been recorded in the integrity log. Throws VERIFICATION_* errors for bad input and
 * DEPENDENCY_UNAVAILABLE / VERIFICATION_UNAVAILABLE (503) when the verifier cannot be reached.
 */
export interface VerificationContract {
  verify(request: VerifyRequest): Promise<VerificationReport>;
  /**
   * Classifies the change from `against` to `policies` (only the impact queries run: no
   * invariants, conflicts or findings). MUST NOT answer `narrowing` or `equivalent` unless the
   * solver ruled out every widening; recorded in the integrity log like a report.
   */
  classifyImpact(request: ImpactRequest): Promise<ImpactClassification>;
}
