/**
 * Closures for the hot shapes of policy conditions: an attribute read straight from a request
 * namespace, an attribute tested against a constant in one closure, `in` on a constant list,
 * and whole `&&`/`||` chains in one loop. Each has exactly the semantics of the general
 * closures it replaces (the differential tests run through both). The switches are exhaustive
 * over their family's overloads: a new comparison or collection overload must say whether it
 * has a fast path.
 */
import type { CelNode } from './cel-ast.js';
import type { Evaluator } from './cel-evaluation.js';
import {
  assertNever,
  type CollectionOverload,
  type ComparisonOverload,
  isOverloadOf,
  type OverloadId,
} from './cel-overloads.js';
import { fail, intLiteral } from './cel-runtime.js';
import type { NAMESPACES } from './vocabulary-parser.js';

type Num = number;
type Ns = (typeof NAMESPACES)[number];
type Rec = Record<string, unknown>;

export function selectFromNamespace(ns: Ns, field: string): Evaluator {
  const missing = () => fail(`no such key: ${field}`);
  switch (ns) {
    case 'principal':
      return (ctx) => {
        const v = (ctx.principal as Rec)[field];
        return v === undefined ? missing() : v;
      };
    case 'action':
      return (ctx) => {
        const v = (ctx.action as Rec)[field];
        return v === undefined ? missing() : v;
      };
    case 'resource':
      return (ctx) => {
        const v = (ctx.resource as Rec)[field];
        return v === undefined ? missing() : v;
      };
    default:
      return (ctx) => {
        const v = (ctx.context as Rec)[field];
        return v === undefined ? missing() : v;
      };
  }
}

/** The value of a scalar literal node (ints canonical), or undefined. */
export function constantOf(node: CelNode): { readonly value: unknown } | undefined {
  if (node.kind !== 'literal') return undefined;
  if (node.type === 'int') return { value: intLiteral(node.value as bigint) };
  if (node.type === 'double' || node.type === 'string' || node.type === 'bool') return { value: node.value };
  return undefined;
}

/**
 * A closure for a comparison with a constant on the right, or `in` on a constant list; undefined
 * when the shape has none (the general closure of the overload applies).
 */
export function specialize(
  overload: OverloadId,
  args: readonly CelNode[],
  a: Evaluator,
  b: Evaluator,
): Evaluator | undefined {
  if (isOverloadOf(overload, 'comparison')) {
    const left = args[0] === undefined ? undefined : constantOf(args[0]);
    const right = args[1] === undefined ? undefined : constantOf(args[1]);
    if (right === undefined || left !== undefined) return undefined;
    return compareWithConstant(overload, a, right.value);
  }
  if (isOverloadOf(overload, 'collections')) return specializeCollection(overload, args, a, b);
  return undefined;
}

function compareWithConstant(overload: ComparisonOverload, a: Evaluator, k: unknown): Evaluator | undefined {
  const n = k as Num;
  switch (overload) {
    case 'lt':
      return (ctx) => (a(ctx) as Num) < n;
    case 'le':
      return (ctx) => (a(ctx) as Num) <= n;
    case 'gt':
      return (ctx) => (a(ctx) as Num) > n;
    case 'ge':
      return (ctx) => (a(ctx) as Num) >= n;
    case 'eq_strict':
      return (ctx) => a(ctx) === k;
    case 'ne_strict':
      return (ctx) => a(ctx) !== k;
    case 'eq_loose':
    case 'ne_loose':
    case 'eq_generic':
    case 'ne_generic':
    case 'lt_int_double':
    case 'le_int_double':
    case 'gt_int_double':
    case 'ge_int_double':
    case 'lt_double_int':
    case 'le_double_int':
    case 'gt_double_int':
    case 'ge_double_int':
      return undefined;
    default:
      return assertNever(overload);
  }
}

function specializeCollection(
  overload: CollectionOverload,
  args: readonly CelNode[],
  a: Evaluator,
  b: Evaluator,
): Evaluator | undefined {
  switch (overload) {
    case 'in_list_strict': {
      const list = args[1]!;
      if (list.kind === 'list') {
        const values = list.elements.map(constantOf);
        if (values.every((v) => v !== undefined)) {
          const set = new Set(values.map((v) => v!.value));
          return (ctx) => set.has(a(ctx));
        }
      }
      const left = args[0] === undefined ? undefined : constantOf(args[0]);
      if (left !== undefined) {
        const k = left.value;
        return (ctx) => (b(ctx) as unknown[]).includes(k);
      }
      return undefined;
    }
    case 'add_list':
    case 'in_list_generic':
    case 'in_map':
    case 'index_list':
    case 'index_map':
    case 'size_list':
    case 'size_map':
      return undefined;
    default:
      return assertNever(overload);
  }
}

/** The operands of a chain of the same operator (`a && b && c`), left to right. */
export function chainOf(node: CelNode, fn: string): CelNode[] {
  if (node.kind === 'call' && node.fn === fn && node.args.length === 2) {
    return [...chainOf(node.args[0]!, fn), ...chainOf(node.args[1]!, fn)];
  }
  return [node];
}

/**
 * CEL `&&` (decisive = false) and `||` (decisive = true) over a whole chain: the decisive value
 * anywhere wins over errors anywhere (the operators are commutative); otherwise the first error
 * propagates. Same outcome as the nested binary form, in one closure.
 */
export function junctionOf(parts: readonly Evaluator[], decisive: boolean): Evaluator {
  const n = parts.length;
  return (ctx) => {
    let failed = false;
    let error: unknown;
    for (let i = 0; i < n; i++) {
      try {
        if (parts[i]!(ctx) === decisive) return decisive;
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
    if (failed) throw error;
    return !decisive;
  };
}

/** `<namespace>.<field> <op> <constant>` in one closure (the commonest test in policies). */
export function fuseAttributeTest(
  overload: OverloadId,
  ns: number,
  field: string,
  k: unknown,
): Evaluator | undefined {
  return isOverloadOf(overload, 'comparison') ? fuseComparison(overload, ns, field, k) : undefined;
}

function fuseComparison(
  overload: ComparisonOverload,
  ns: number,
  field: string,
  k: unknown,
): Evaluator | undefined {
  const missing = () => fail(`no such key: ${field}`);
  const n = k as Num;
  switch (overload) {
    case 'lt':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : (v as Num) < n;
      };
    case 'le':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : (v as Num) <= n;
      };
    case 'gt':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : (v as Num) > n;
      };
    case 'ge':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : (v as Num) >= n;
      };
    case 'eq_strict':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : v === k;
      };
    case 'ne_strict':
      return (ctx) => {
        const v = (ctx.ns[ns] as Rec)[field];
        return v === undefined ? missing() : v !== k;
      };
    case 'eq_loose':
    case 'ne_loose':
    case 'eq_generic':
    case 'ne_generic':
    case 'lt_int_double':
    case 'le_int_double':
    case 'gt_int_double':
    case 'ge_int_double':
    case 'lt_double_int':
    case 'le_double_int':
    case 'gt_double_int':
    case 'ge_double_int':
      return undefined;
    default:
      return assertNever(overload);
  }
}
