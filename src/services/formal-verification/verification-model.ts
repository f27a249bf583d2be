/**
 * Prepares a verification: checks the policy sets and the invariants against the vocabulary,
 * sizes the request model for every condition involved, encodes everything once, and compiles
 * the engines that replay each witness. The analyses then only ask queries.
 */
import type { Invariant } from '../../kernel/contracts/constitution.js';
import type { FieldError } from '../../kernel/errors.js';
import {
  type CheckedPolicy,
  checkPolicies,
  compilePolicySet,
  type Effect,
  invariantAsPolicy,
  type PolicyEngine,
  type Vocabulary,
} from '../../policy/index.js';
import { verificationErrors } from './errors.js';
import { DefinitionSink } from './smt/condition-encoder.js';
import {
  type EncodedPolicy,
  type EncodedSet,
  encodePolicy,
  encodePolicySet,
} from './smt/policy-set-encoder.js';
import { RequestSchema } from './smt/request-schema.js';
import { collectUsage, finishUsage, newUsage } from './smt/usage-analysis.js';

/** An invariant with the principle it belongs to. */
export interface InvariantInput extends Invariant {
  readonly principleId: string;
}

export interface VerificationInput {
  readonly vocabulary: Vocabulary;
  /** Policy objects (or the parsed documents of `parsePolicyDocument`). */
  readonly policies: readonly unknown[];
  readonly defaultDecision: Effect;
  readonly invariants: readonly InvariantInput[];
  /** The previous policy set, for the impact analysis. */
  readonly against?: readonly unknown[];
}

/** Largest policy set the verifier takes (each set of an impact analysis counts). */
export const MAX_POLICIES = 2_000;

export interface PolicySide {
  readonly checked: readonly CheckedPolicy[];
  readonly encoded: EncodedSet;
  readonly engine: PolicyEngine;
}

export interface EncodedInvariant {
  readonly spec: InvariantInput;
  readonly encoded: EncodedPolicy;
  /** `when` held or failed (fail-closed) for the request, by the engine. */
  applies(request: unknown): boolean;
}

export interface VerificationModel {
  readonly schema: RequestSchema;
  readonly definitions: readonly string[];
  readonly current: PolicySide;
  readonly previous?: PolicySide;
  readonly invariants: readonly EncodedInvariant[];
  /** Every action type a policy of either set targets by name (the analyses' slices). */
  readonly actionTypes: readonly string[];
  readonly vocabulary: Vocabulary;
  readonly defaultDecision: Effect;
}

function checkSet(
  policies: readonly unknown[],
  vocabulary: Vocabulary,
  field: string,
): readonly CheckedPolicy[] {
  if (policies.length > MAX_POLICIES) {
    throw verificationErrors.create(
      'VERIFICATION_SET_TOO_LARGE',
      `${field} has ${policies.length} policies; the verifier takes at most ${MAX_POLICIES}`,
      { errors: [{ pointer: `/${field}`, detail: `at most ${MAX_POLICIES} policies` }] },
    );
  }
  const report = checkPolicies(policies, vocabulary);
  if (!report.ok) {
    const errors: FieldError[] = report.diagnostics.map((d) => ({
      pointer: `/${field}${d.pointer}`,
      detail: d.message,
      ...(d.location === undefined ? {} : { location: d.location }),
    }));
    throw verificationErrors.create('VERIFICATION_POLICY_INVALID', `${field}: ${errors[0]!.detail}`, {
      errors,
    });
  }
  return report.checked;
}

/** Checks and encodes everything a verification needs. Throws catalogued errors for bad input. */
export function buildVerificationModel(input: VerificationInput): VerificationModel {
  const { vocabulary } = input;
  const current = checkSet(input.policies, vocabulary, 'policies');
  const previous = input.against === undefined ? undefined : checkSet(input.against, vocabulary, 'against');
  const invariantReport = checkPolicies(input.invariants.map(invariantAsPolicy), vocabulary);
  if (!invariantReport.ok) {
    const errors: FieldError[] = invariantReport.diagnostics.map((d) => ({
      pointer: `/invariants${d.pointer}`,
      detail: d.message,
    }));
    throw verificationErrors.create('VERIFICATION_INVARIANT_INVALID', errors[0]!.detail, { errors });
  }
  const invariantChecked = invariantReport.checked;

  const usage = newUsage();
  for (const p of [...current, ...(previous ?? []), ...invariantChecked]) {
    collectUsage(p.checked, usage);
    // Targets compare action.type with these names (the engine's index, see appliesTerm).
    for (const a of p.policy.target.actions) if (a !== '*') usage.literals.add(a);
  }
  const schema = new RequestSchema(vocabulary, finishUsage(usage));
  const sink = new DefinitionSink('x');
  const side = (name: string, checked: readonly CheckedPolicy[]): PolicySide => ({
    checked,
    encoded: encodePolicySet(name, checked, input.defaultDecision, schema, sink),
    engine: compilePolicySet(
      checked.map((c) => c.policy),
      vocabulary,
      { defaultDecision: input.defaultDecision },
    ),
  });
  const currentSide = side('n', current);
  const previousSide = previous === undefined ? undefined : side('o', previous);
  const invariants: EncodedInvariant[] = invariantChecked.map((checked, i) => {
    const spec = input.invariants[i]!;
    const engine = compilePolicySet([checked.policy], vocabulary, { defaultDecision: 'allow' });
    return {
      spec,
      encoded: encodePolicy(`i:${i}`, checked, schema, sink),
      applies: (request) => engine.decide(request).decision === 'deny',
    };
  });
  return {
    schema,
    definitions: sink.lines,
    current: currentSide,
    ...(previousSide === undefined ? {} : { previous: previousSide }),
    invariants,
    actionTypes: [
      ...new Set(
        [...current, ...(previous ?? [])].flatMap((p) => p.policy.target.actions.filter((a) => a !== '*')),
      ),
    ].sort(),
    vocabulary,
    defaultDecision: input.defaultDecision,
  };
}
