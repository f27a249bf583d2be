/**
 * The engine's combining stage: evaluates the applicable policies' conditions and combines their
 * effects, deny over review over allow, the default decision when nothing matches.
 *
 * Fail-closed error rule: a condition that fails to evaluate (missing attribute, overflow,
 * division by zero, ...) counts as MATCHED for a deny or review policy and as NOT MATCHED for an
 * allow policy, and is reported in `errors`. An error can therefore only make a decision stricter.
 */
import type { EvalContext } from './cel-evaluation.js';
import { failureMessage } from './cel-runtime.js';
import type { EnginePolicy, MatchedPolicy } from './policy-index.js';
import type { Effect, Obligation } from './policy-model.js';

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

const RANK: Record<Effect, number> = { allow: 1, review: 2, deny: 3 };
const EMPTY: readonly never[] = Object.freeze([]);

/** The (frozen, shared) result when no policy matches. */
export function defaultResultOf(defaultDecision: Effect): DecisionResult {
  return Object.freeze({
    decision: defaultDecision,
    matched: EMPTY,
    obligations: EMPTY,
    reasons: Object.freeze([`no policy matched; default decision is ${defaultDecision}`]),
    errors: EMPTY,
    defaultApplied: true,
  });
}

/** Evaluates `list` (in priority order) against the request bound in `ctx` and combines. */
export function combine(
  list: readonly EnginePolicy[],
  ctx: EvalContext,
  defaultResult: DecisionResult,
): DecisionResult {
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
}

function obligationsOf(matched: readonly MatchedPolicy[], decision: Effect): readonly Obligation[] {
  if (matched.length === 1) return matched[0]!.obligations;
  const out: Obligation[] = [];
  for (const m of matched) {
    if (m.effect === decision) out.push(...m.obligations);
  }
  return out;
}
