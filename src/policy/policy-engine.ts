/**
 * The compiled decision engine: policies checked and compiled once, indexed by action type,
 * then `decide(request)` runs only the policies that can apply and combines their effects
 * (deny > review > allow, default decision when nothing matches).
 *
 * Fail-closed error rule: a condition that fails to evaluate (missing attribute, overflow,
 * division by zero, ...) counts as MATCHED for a deny or review policy and as NOT MATCHED for an
 * allow policy, and is reported in `errors`. An error can therefore only make a decision stricter.
 */
import type { FieldError } from '../kernel/errors.js';
import { type CompiledCondition, compileCondition, type EvalContext } from './cel-compiler.js';
import { failureMessage } from './cel-runtime.js';
import { policyErrors } from './errors.js';
import { type CheckedPolicy, checkPolicies, type PolicyInput } from './policy-checker.js';
import { type Explanation, explainRequest } from './policy-explainer.js';
import type { Effect, Obligation, Policy } from './policy-model.js';
import { compileRequestValidator, type DecisionRequest, requestInvalid } from './request-validator.js';
import type { Vocabulary } from './vocabulary-parser.js';

export interface MatchedPolicy {
  readonly policyId: string;
  readonly version: number;
  readonly effect: Effect;
  readonly principles: readonly string[];
  readonly obligations: readonly Obligation[];
  /** Set when the policy counts as matched only because its condition failed (fail-closed). */
  readonly error?: string;
}

export interface DecisionResult {
  readonly decision: Effect;
  /** Matched policies, highest priority first. */
  readonly matched: readonly MatchedPolicy[];
  /** Obligations of the matched policies whose effect is the decision. */
  readonly obligations: readonly Obligation[];
  readonly reasons: readonly string[];
  readonly errors: readonly { readonly policyId: string; readonly message: string }[];
  readonly defaultApplied: boolean;
}

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

/** A compiled policy as the engine runs it. */
export interface EnginePolicy {
  readonly source: CheckedPolicy;
  readonly compiled: CompiledCondition;
  readonly effect: Effect;
  readonly match: MatchedPolicy;
  readonly reason: string;
}

const RANK: Record<Effect, number> = { allow: 1, review: 2, deny: 3 };
const EMPTY: readonly never[] = Object.freeze([]);
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

function buildEngine(
  checked: readonly CheckedPolicy[],
  vocabulary: Vocabulary,
  defaultDecision: Effect,
): PolicyEngine {
  const ordered = [...checked].sort(
    (a, b) =>
      b.policy.priority - a.policy.priority ||
      (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0),
  );
  let slots = 0;
  const all: EnginePolicy[] = ordered.map((source) => {
    const compiled = compileCondition(source.checked);
    slots = Math.max(slots, compiled.slots);
    return {
      source,
      compiled,
      effect: source.policy.effect,
      match: matchOf(source.policy),
      reason: reasonOf(source.policy),
    };
  });
  const wildcard = all.filter((p) => p.source.policy.target.actions.includes('*'));
  const byAction = new Map<string, EnginePolicy[]>();
  for (const p of all) {
    for (const action of p.source.policy.target.actions) {
      if (action !== '*' && !byAction.has(action)) byAction.set(action, []);
    }
  }
  // One pass in priority order keeps every list sorted: O(policies + action types × wildcards).
  const lists = [...byAction.values()];
  for (const p of all) {
    const actions = p.source.policy.target.actions;
    if (actions.includes('*')) for (const list of lists) list.push(p);
    else for (const action of actions) byAction.get(action)!.push(p);
  }
  const validate = compileRequestValidator(vocabulary);
  const ctx: EvalContext = {
    principal: EMPTY_OBJECT,
    action: EMPTY_OBJECT,
    resource: EMPTY_OBJECT,
    context: EMPTY_OBJECT,
    ns: [EMPTY_OBJECT, EMPTY_OBJECT, EMPTY_OBJECT, EMPTY_OBJECT],
    locals: new Array(slots).fill(undefined),
  };
  const defaultResult: DecisionResult = Object.freeze({
    decision: defaultDecision,
    matched: EMPTY,
    obligations: EMPTY,
    reasons: Object.freeze([`no policy matched; default decision is ${defaultDecision}`]),
    errors: EMPTY,
    defaultApplied: true,
  });
  const lookup = (type: string) => byAction.get(type) ?? wildcard;

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
    const list = lookup(req.action.type);
    let matched: MatchedPolicy[] | undefined;
    let reasons: string[] | undefined;
    let errors: { policyId: string; message: string }[] | undefined;
    let rank = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      let outcome: unknown;
      let failure: unknown;
      try {
        outcome = p.compiled.evaluate(ctx);
      } catch (e) {
        failure = e;
      }
      if (outcome === false) continue;
      if (matched === undefined) {
        matched = [];
        reasons = [];
      }
      if (outcome === true) {
        matched.push(p.match);
        reasons!.push(p.reason);
        if (RANK[p.effect] > rank) rank = RANK[p.effect];
        continue;
      }
      const id = p.source.policy.id;
      const message = failure === undefined ? 'condition returned a non-boolean' : failureMessage(failure);
      if (errors === undefined) errors = [];
      errors.push({ policyId: id, message });
      if (p.effect === 'allow') {
        reasons!.push(`allow policy ${id} not applied: condition failed (${message})`);
        continue;
      }
      matched.push({ ...p.match, error: message });
      reasons!.push(`${p.effect} by ${id}: condition failed (${message}); counted as matched (fail-closed)`);
      if (RANK[p.effect] > rank) rank = RANK[p.effect];
    }
    release();
    if (matched === undefined || matched.length === 0) {
      if (errors === undefined) return defaultResult;
      return { ...defaultResult, reasons: [...reasons!, ...defaultResult.reasons], errors };
    }
    const decision: Effect = rank === 3 ? 'deny' : rank === 2 ? 'review' : 'allow';
    return {
      decision,
      matched,
      obligations: obligationsOf(matched, decision),
      reasons: reasons!,
      errors: errors ?? EMPTY,
      defaultApplied: false,
    };
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
        return explainRequest(all, new Set(lookup(req.action.type)), ctx, decision);
      } finally {
        release();
      }
    },
    policies: ordered,
    defaultDecision,
    policiesFor: (type) => lookup(type).map((p) => p.source),
  };
}

function obligationsOf(matched: readonly MatchedPolicy[], decision: Effect): readonly Obligation[] {
  if (matched.length === 1) return matched[0]!.obligations;
  const out: Obligation[] = [];
  for (const m of matched) {
    if (m.effect === decision) out.push(...m.obligations);
  }
  return out;
}

function matchOf(policy: Policy): MatchedPolicy {
  return Object.freeze({
    policyId: policy.id,
    version: policy.version,
    effect: policy.effect,
    principles: Object.freeze([...policy.principles]),
    obligations: Object.freeze([...policy.obligations]),
  });
}

function reasonOf(policy: Policy): string {
  const why = policy.description === '' ? policy.condition.trim().replace(/\s+/g, ' ') : policy.description;
  return `${policy.effect} by ${policy.id} v${policy.version}: ${why}`;
}
