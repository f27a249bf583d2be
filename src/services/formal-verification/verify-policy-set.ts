/**
 * Runs every analysis over a policy set and returns the report (the library entry point the
 * CLI, the service and the activation gate share). Pure apart from the solver it is given.
 *
 * @example
 * const report = await verifyPolicySet(
 *   { vocabulary, policies, defaultDecision: 'deny', invariants },
 *   { solver: z3Solver },
 * );
 * report.invariants.filter((i) => i.status === 'violated');
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../kernel/canonical-json.js';
import type { CheckedPolicy } from '../../policy/index.js';
import { findConflicts } from './analyses/conflict-analysis.js';
import { analyzeImpact } from './analyses/impact-analysis.js';
import { checkInvariants } from './analyses/invariant-analysis.js';
import { findDeadAndShadowed } from './analyses/policy-findings.js';
import { WitnessPool } from './analyses/witness-pool.js';
import type { Solver } from './smt/solver.js';
import { VerificationSession } from './smt/verification-session.js';
import { buildVerificationModel, type VerificationInput } from './verification-model.js';
import type {
  ImpactReport,
  InvariantResult,
  PolicyFinding,
  VerificationReport,
} from './verification-report.js';

export interface VerifyOptions {
  readonly solver: Solver;
  /** Time limit of one solver query (default 5,000 ms). */
  readonly queryTimeoutMs?: number;
  /** Time limit of the whole verification (default 120,000 ms); queries after it answer `unknown`. */
  readonly timeLimitMs?: number;
  readonly constitutionHash?: string;
  /** Skip the conflict and dead/shadowed analyses (the activation gate needs only the invariants). */
  readonly invariantsOnly?: boolean;
  /** Called after each analysis stage with the share done, 0..1. */
  readonly onProgress?: (done: number) => void;
  /**
   * Only this share of the questions (part `index` of `of`): invariants and dead/shadowed
   * policies by index, conflicts by their first policy; the impact analysis in part 0. Parts run
   * on separate threads and are merged by `mergeParts` into the report of the whole.
   */
  readonly part?: { readonly index: number; readonly of: number };
}

/** SHA-256 over the RFC 8785 canonical JSON of the policies sorted by id. */
export function policySetHash(policies: readonly CheckedPolicy[]): string {
  const sorted = policies.map((c) => c.policy).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

/** The report's counts. */
export function summaryOf(
  invariants: readonly InvariantResult[],
  conflicts: readonly unknown[],
  findings: readonly PolicyFinding[],
): VerificationReport['summary'] {
  const count = (s: InvariantResult['status']) => invariants.filter((i) => i.status === s).length;
  return {
    proved: count('proved'),
    violated: count('violated'),
    unknown: count('unknown'),
    conflicts: conflicts.length,
    dead: findings.filter((f) => f.status === 'dead').length,
    shadowed: findings.filter((f) => f.status === 'shadowed').length,
  };
}

/**
 * The report of the whole from the reports of its parts (`VerifyOptions.part`, in part order):
 * each invariant, conflict and finding in the order a single run lists it.
 */
export function mergeParts(
  parts: readonly VerificationReport[],
  invariantIds: readonly string[],
): VerificationReport {
  const first = parts[0]!;
  const policyOrder = new Map(first.policies.map((p, i) => [p.id, i]));
  const invariantOrder = new Map(invariantIds.map((id, i) => [id, i]));
  const at = (id: string) => policyOrder.get(id) ?? 0;
  const invariants = parts
    .flatMap((p) => p.invariants)
    .sort((a, b) => (invariantOrder.get(a.id) ?? 0) - (invariantOrder.get(b.id) ?? 0));
  const conflicts = parts
    .flatMap((p) => p.conflicts)
    .sort((a, b) => at(a.policies[0]) - at(b.policies[0]) || at(a.policies[1]) - at(b.policies[1]));
  const findings = parts.flatMap((p) => p.findings).sort((a, b) => at(a.policyId) - at(b.policyId));
  return {
    ...first,
    invariants,
    conflicts,
    findings,
    notes: parts.flatMap((p) => p.notes),
    summary: summaryOf(invariants, conflicts, findings),
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
  };
}

/** Verifies a policy set against invariants (and a previous set, when given). */
export async function verifyPolicySet(
  input: VerificationInput,
  options: VerifyOptions,
): Promise<VerificationReport> {
  const started = Date.now();
  const model = buildVerificationModel(input);
  const session = await VerificationSession.open(options.solver, model.schema, model.definitions, {
    queryTimeoutMs: options.queryTimeoutMs ?? 5_000,
    deadline: started + (options.timeLimitMs ?? 120_000),
  });
  const notes: string[] = [];
  const progress = options.onProgress ?? (() => {});
  try {
    const pool = new WitnessPool(
      model.current.engine,
      new Map(model.current.checked.map((c) => [c.policy.id, c.policy.effect])),
      input.defaultDecision,
    );
    const { index, of } = options.part ?? { index: 0, of: 1 };
    const mine = (n: number) => n % of === index;
    const invariants = await checkInvariants(model, session, notes, pool, mine);
    progress(0.4);
    const conflicts = options.invariantsOnly
      ? []
      : await findConflicts(model, session, notes, pool, (i) => mine(i));
    progress(0.6);
    const findings = options.invariantsOnly
      ? []
      : await findDeadAndShadowed(model, session, notes, pool, mine);
    progress(0.9);
    const impact = index === 0 ? await analyzeImpact(model, session, notes) : undefined;
    progress(1);
    const policies = model.current.encoded.policies.map((p) => ({
      id: p.source.policy.id,
      verifiable: p.havoc === undefined,
      reasons: p.outside ?? [],
    }));
    const conditions = policies.length + model.invariants.length;
    const verifiable =
      policies.filter((p) => p.verifiable).length +
      model.invariants.filter((i) => i.encoded.havoc === undefined).length;
    return {
      policySetHash: policySetHash(model.current.checked),
      ...(options.constitutionHash === undefined ? {} : { constitutionHash: options.constitutionHash }),
      solver: options.solver.name,
      defaultDecision: input.defaultDecision,
      coverage: {
        policies: policies.length,
        verifiable: policies.filter((p) => p.verifiable).length,
        ratio: conditions === 0 ? 1 : verifiable / conditions,
      },
      policies,
      invariants,
      conflicts,
      findings,
      ...(impact === undefined ? {} : { impact }),
      notes,
      summary: summaryOf(invariants, conflicts, findings),
      durationMs: Date.now() - started,
    };
  } finally {
    session.close();
  }
}

/** What changes between two policy sets. */
export interface ImpactInput {
  readonly vocabulary: VerificationInput['vocabulary'];
  readonly policies: readonly unknown[];
  readonly against: readonly unknown[];
  readonly defaultDecision: VerificationInput['defaultDecision'];
}

export interface ImpactOutcome extends ImpactReport {
  readonly policySetHash: string;
  readonly previousPolicySetHash: string;
  readonly solver: string;
  readonly notes: readonly string[];
  readonly durationMs: number;
}

/**
 * Classifies the change from `against` to `policies` (narrowing, widening, mixed, equivalent or
 * unknown) with only the impact queries: no invariants, conflicts or findings.
 */
export async function classifyPolicyChange(
  input: ImpactInput,
  options: Pick<VerifyOptions, 'solver' | 'queryTimeoutMs' | 'timeLimitMs'>,
): Promise<ImpactOutcome> {
  const started = Date.now();
  const model = buildVerificationModel({ ...input, invariants: [] });
  const session = await VerificationSession.open(options.solver, model.schema, model.definitions, {
    queryTimeoutMs: options.queryTimeoutMs ?? 5_000,
    deadline: started + (options.timeLimitMs ?? 120_000),
  });
  const notes: string[] = [];
  try {
    const impact = (await analyzeImpact(model, session, notes))!;
    return {
      ...impact,
      policySetHash: policySetHash(model.current.checked),
      previousPolicySetHash: policySetHash(model.previous!.checked),
      solver: options.solver.name,
      notes,
      durationMs: Date.now() - started,
    };
  } finally {
    session.close();
  }
}
