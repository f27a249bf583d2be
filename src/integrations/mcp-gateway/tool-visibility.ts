/**
 * Whether a tool could ever be allowed (or sent to review) to the gateway's principal under the
 * active bundle, so that `tools/list` hides the tools it can never use. Sound, not complete: a
 * policy is ruled out only when a top-level conjunct of its condition compares an attribute whose
 * value is known for every call of this tool (the principal's id, type and roles from the
 * credential, and the literals of the tool's mapping) and is false for it
 * (`'marketing-agent' in principal.roles`, `context.customer_tier == 'vip'`); anything else counts
 * as possibly true. A constitution whose default decision is not deny allows everything.
 */
import type { CelNode } from '../../policy/cel-ast.js';
import { parseCondition } from '../../policy/cel-ast.js';

export interface VisibilityPrincipal {
  readonly id: string;
  readonly type: string;
  readonly roles: readonly string[];
}

export interface VisibilityPolicy {
  readonly effect: string;
  readonly target: { readonly actions: readonly string[] };
  readonly condition: string;
}

/** Attribute values known for every call, by dotted path (`principal.roles`, `context.channel`). */
export type KnownValues = ReadonlyMap<string, unknown>;

function conjuncts(node: CelNode): CelNode[] {
  return node.kind === 'call' && node.fn === '_&&_' && node.target === undefined
    ? node.args.flatMap(conjuncts)
    : [node];
}

function pathOf(node: CelNode | undefined): string | undefined {
  if (node?.kind === 'ident') return node.name;
  if (node?.kind !== 'select' || node.testOnly) return undefined;
  const operand = pathOf(node.operand);
  return operand === undefined ? undefined : `${operand}.${node.field}`;
}

function literalOf(node: CelNode | undefined): { value: unknown } | undefined {
  if (node?.kind !== 'literal' || !['string', 'bool', 'double', 'int'].includes(node.type)) return undefined;
  return { value: typeof node.value === 'bigint' ? Number(node.value) : node.value };
}

/** False only when the conjunct is certainly false with the known values. */
function possiblyTrue(node: CelNode, known: KnownValues): boolean {
  if (node.kind !== 'call' || node.target !== undefined) return true;
  const [left, right] = node.args;
  if (node.fn === '@in') {
    const literal = literalOf(left);
    const path = pathOf(right);
    if (literal === undefined || path === undefined || !known.has(path)) return true;
    const list = known.get(path);
    return !Array.isArray(list) || list.includes(literal.value);
  }
  if (node.fn === '_==_' || node.fn === '_!=_') {
    for (const [pathNode, literalNode] of [
      [left, right],
      [right, left],
    ] as const) {
      const path = pathOf(pathNode);
      const literal = literalOf(literalNode);
      if (path === undefined || literal === undefined || !known.has(path)) continue;
      const equal = known.get(path) === literal.value;
      return node.fn === '_==_' ? equal : !equal;
    }
  }
  return true;
}

/** The values every call of a tool shares: the principal's, and the mapping's literals. */
export function knownValues(
  principal: VisibilityPrincipal,
  literals: Iterable<[string, unknown]>,
): KnownValues {
  return new Map<string, unknown>([
    ['principal.id', principal.id],
    ['principal.type', principal.type],
    ['principal.roles', principal.roles],
    ...literals,
  ]);
}

/** True when some allow/review policy for `actionType` (or an allowing default) could apply. */
export function couldBeAllowed(
  policies: readonly VisibilityPolicy[],
  actionType: string,
  known: KnownValues,
  defaultDecision: string,
): boolean {
  if (defaultDecision !== 'deny') return true;
  return policies.some((policy) => {
    if (policy.effect !== 'allow' && policy.effect !== 'review') return false;
    if (!policy.target.actions.includes(actionType) && !policy.target.actions.includes('*')) return false;
    const parsed = parseCondition(policy.condition);
    return !parsed.ok || conjuncts(parsed.ast).every((c) => possiblyTrue(c, known));
  });
}
