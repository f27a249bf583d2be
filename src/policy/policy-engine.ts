/**
 * The compiled decision engine: policies checked, compiled and indexed by action type once
 * (`policy-index.ts`), then `decide(request)` validates the request, runs only the policies that
 * can apply and combines their effects (`policy-combiner.ts`: deny > review > allow, the default
 * decision when nothing matches, fail-closed on evaluation errors).
 */
import type { FieldError } from '../kernel/errors.js';
import type { EvalContext } from './cel-evaluation.js';
import { policyErrors } from './errors.js';
import { type CheckedPolicy, checkPolicies, type PolicyInput } from './policy-checker.js';
import { combine, type DecisionResult, defaultResultOf } from './policy-combiner.js';
import { type Explanation, explainRequest } from './policy-explainer.js';
import { indexPolicies } from './policy-index.js';
import type { Effect } from './policy-model.js';
import { compileRequestValidator, type DecisionRequest, requestInvalid } from './request-validator.js';
import type { Vocabulary } from './vocabulary-parser.js';

export type { DecisionResult } from './policy-combiner.js';
export type { EnginePolicy, MatchedPolicy } from './policy-index.js';

export interface EngineOptions {
  /** Decision when no policy matches (the constitution's default; `deny` unless it says otherwise). */
  readonly defaultDecision?: Effect;
}

export interface PolicyEngine {
  /** Decides one request. Throws `POLICY_REQUEST_INVALID` if it does not match the vocabulary. */
  decide(request: unknown): DecisionResult;
  /** Per policy: applicable, matched, and for a non-match the false sub-expression. */
  explain(request: unknown): Explanation;
  readonly policies: readonly CheckedPolicy[];
  readonly defaultDecision: Effect;
  /** Policies a request with this action type meets. */
  policiesFor(actionType: string): readonly CheckedPolicy[];
}

const EMPTY_OBJECT = Object.freeze({});

/**
 * Checks and compiles a policy set. Throws `POLICY_INVALID` listing every diagnostic when any
 * policy does not check.
 * @example
 * const engine = compilePolicySet(policies, vocabulary, { defaultDecision: 'deny' });
 * engine.decide({ action: { type: 'refund', amount: 120 } }).decision; // 'review'
 */
export function compilePolicySet(
  policies: readonly PolicyInput[] | readonly unknown[],
  vocabulary: Vocabulary,
  options: EngineOptions = {},
): PolicyEngine {
  const report = checkPolicies(policies, vocabulary);
  if (!report.ok) {
    const errors: FieldError[] = report.diagnostics.map((d) => ({
      pointer: d.pointer,
      detail: d.message,
      ...(d.location === undefined ? {} : { location: d.location }),
    }));
    throw policyErrors.create(
      'POLICY_INVALID',
      `policy set has ${errors.length} error(s): ${errors[0]!.detail}`,
      {
        errors,
        ...(report.diagnostics[0]!.location === undefined
          ? {}
          : { location: report.diagnostics[0]!.location }),
      },
    );
  }
  return buildEngine(report.checked, vocabulary, options.defaultDecision ?? 'deny');
}

/** The engine over an index (which policies apply) and the combiner (what they decide together). */
/**
 * Compiles policies the checker has already accepted (`checkPolicies(...).checked`) without
 * checking them again: for a caller that checked them itself to report the diagnostics.
 */
export function compileCheckedPolicySet(
  checked: readonly CheckedPolicy[],
  vocabulary: Vocabulary,
  options: EngineOptions = {},
): PolicyEngine {
  return buildEngine(checked, vocabulary, options.defaultDecision ?? 'deny');
}

function buildEngine(
  checked: readonly CheckedPolicy[],
  vocabulary: Vocabulary,
  defaultDecision: Effect,
): PolicyEngine {
  const index = indexPolicies(checked);
  const validate = compileRequestValidator(vocabulary);
  const ctx: EvalContext = {
    principal: EMPTY_OBJECT,
    action: EMPTY_OBJECT,
    resource: EMPTY_OBJECT,
    context: EMPTY_OBJECT,
    ns: [EMPTY_OBJECT, EMPTY_OBJECT, EMPTY_OBJECT, EMPTY_OBJECT],
    locals: new Array(index.slots).fill(undefined),
  };
  const defaultResult = defaultResultOf(defaultDecision);

  const bind = (request: DecisionRequest) => {
    ctx.principal = request.principal ?? EMPTY_OBJECT;
    ctx.action = request.action;
    ctx.resource = request.resource ?? EMPTY_OBJECT;
    ctx.context = request.context ?? EMPTY_OBJECT;
    ctx.ns[0] = ctx.principal;
    ctx.ns[1] = ctx.action;
    ctx.ns[2] = ctx.resource;
    ctx.ns[3] = ctx.context;
  };

  // Drop references to the request once decided, so the engine never keeps one alive.
  const release = () => {
    ctx.principal = ctx.action = ctx.resource = ctx.context = EMPTY_OBJECT;
    ctx.ns[0] = ctx.ns[1] = ctx.ns[2] = ctx.ns[3] = EMPTY_OBJECT;
  };

  const decide = (request: unknown): DecisionResult => {
    const invalid = validate(request);
    if (invalid !== undefined) throw requestInvalid(invalid);
    const req = request as DecisionRequest;
    bind(req);
    try {
      return combine(index.lookup(req.action.type), ctx, defaultResult);
    } finally {
      release();
    }
  };

  return {
    decide,
    explain(request) {
      const invalid = validate(request);
      if (invalid !== undefined) throw requestInvalid(invalid);
      const req = request as DecisionRequest;
      const decision = decide(req);
      bind(req);
      try {
        return explainRequest(index.all, new Set(index.lookup(req.action.type)), ctx, decision);
      } finally {
        release();
      }
    },
    policies: index.all.map((p) => p.source),
    defaultDecision,
    policiesFor: (type) => index.lookup(type).map((p) => p.source),
  };
}
