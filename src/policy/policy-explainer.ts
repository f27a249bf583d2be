/**
 * Explains one request: for every policy, whether it applies to the action type, whether its
 * condition matched, and for a non-match which sub-expressions were false (descending through
 * `&&` to the false conjuncts, so the answer names the smallest failing test).
 */
import type { CelNode } from './cel-ast.js';
import type { EvalContext } from './cel-evaluation.js';
import { printCel } from './cel-printer.js';
import { failureMessage } from './cel-runtime.js';
import type { DecisionResult } from './policy-combiner.js';
import type { EnginePolicy } from './policy-index.js';
import type { Effect } from './policy-model.js';

export interface PolicyExplanation {
  readonly policyId: string;
  readonly version: number;
  readonly effect: Effect;
  /** The policy targets this request's action type. */
  readonly applicable: boolean;
  /** Its condition evaluated to true (false when not applicable or on error). */
  readonly matched: boolean;
  /** It contributed its effect to the decision: matched, or failed as a deny/review policy (fail-closed). */
  readonly counted: boolean;
  /** The evaluation error, if the condition failed. */
  readonly error?: string;
  /** For a non-match: the sub-expressions that evaluated to false. */
  readonly falseExpressions?: readonly string[];
}

export interface Explanation {
  readonly decision: DecisionResult;
  readonly policies: readonly PolicyExplanation[];
}

export function explainRequest(
  all: readonly EnginePolicy[],
  applicable: ReadonlySet<EnginePolicy>,
  ctx: EvalContext,
  decision: DecisionResult,
): Explanation {
  const policies = all.map((p): PolicyExplanation => {
    const base = { policyId: p.source.policy.id, version: p.source.policy.version, effect: p.effect };
    if (!applicable.has(p)) return { ...base, applicable: false, matched: false, counted: false };
    const outcome = run(p, p.source.checked.ast, ctx);
    if (outcome.error !== undefined) {
      return {
        ...base,
        applicable: true,
        matched: false,
        counted: p.effect !== 'allow',
        error: outcome.error,
      };
    }
    if (outcome.value === true) return { ...base, applicable: true, matched: true, counted: true };
    const falseExpressions = falseParts(p, p.source.checked.ast, ctx);
    return { ...base, applicable: true, matched: false, counted: false, falseExpressions };
  });
  return { decision, policies };
}

function run(p: EnginePolicy, node: CelNode, ctx: EvalContext): { value?: unknown; error?: string } {
  const fn = p.compiled.nodes.get(node.id);
  if (fn === undefined) return { error: 'no compiled code for sub-expression' };
  try {
    return { value: fn(ctx) };
  } catch (e) {
    return { error: failureMessage(e) };
  }
}

function falseParts(p: EnginePolicy, node: CelNode, ctx: EvalContext): string[] {
  if (node.kind === 'call' && node.fn === '_&&_') {
    const parts = node.args
      .filter((a) => run(p, a, ctx).value === false)
      .flatMap((a) => falseParts(p, a, ctx));
    if (parts.length > 0) return parts;
  }
  return [printCel(node)];
}
