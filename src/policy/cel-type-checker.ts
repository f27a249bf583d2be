/**
 * Type-checks a condition against the vocabulary and resolves every operator to one overload.
 * The compiler trusts this result: it emits code for exactly the overload recorded here, so
 * no type dispatch happens at run time. (@bufbuild/cel 0.6 ships only a stub checker, so the
 * rules below follow the CEL specification and the overloads registered by its interpreter.)
 */
import type { CelNode, ComprehensionNode, ConditionDiagnostic } from './cel-ast.js';
import { estimateCost } from './cel-cost-estimator.js';
import { parseTimestamp } from './cel-runtime.js';
import { type CelType, formatType, isNumeric, T, unify } from './cel-types.js';
import { LIMITS } from './policy-limits.js';
import { MAX_REQUEST_COLLECTION } from './request-validator.js';
import { NAMESPACES, type Vocabulary } from './vocabulary-parser.js';

export interface CheckedCondition {
  readonly ast: CelNode;
  /** Static type of every node, by node id. */
  readonly types: ReadonlyMap<number, CelType>;
  /** Overload chosen for every call node, by node id (e.g. `add_int`, `cmp_int_double`). */
  readonly overloads: ReadonlyMap<number, string>;
}

export type CheckResult =
  | { readonly ok: true; readonly checked: CheckedCondition }
  | { readonly ok: false; readonly diagnostic: ConditionDiagnostic };

class TypeFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code: ConditionDiagnostic['code'] = 'POLICY_TYPE_ERROR',
  ) {
    super(message);
  }
}

const INT_MIN = -9223372036854775808n;
const INT_MAX = 9223372036854775807n;
const COMPARABLE = new Set(['int', 'double', 'string', 'bool', 'timestamp']);
const ARITH: Record<string, string> = {
  '_+_': 'add',
  '_-_': 'sub',
  '_*_': 'mul',
  '_/_': 'div',
  '_%_': 'mod',
};
const COMPARE: Record<string, string> = { '_<_': 'lt', '_<=_': 'le', '_>_': 'gt', '_>=_': 'ge' };
const STRING_METHODS = new Set(['contains', 'startsWith', 'endsWith', 'matches']);

/** Checks that `ast` is a well-typed boolean condition over the vocabulary. */
export function checkCondition(ast: CelNode, vocabulary: Vocabulary): CheckResult {
  const types = new Map<number, CelType>();
  const overloads = new Map<number, string>();
  const scopes: Map<string, CelType>[] = [];
  let comprehensionDepth = 0;

  const lookup = (name: string): CelType | undefined => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const t = scopes[i]!.get(name);
      if (t !== undefined) return t;
    }
    return (NAMESPACES as readonly string[]).includes(name) ? vocabulary.roots[name as 'action'] : undefined;
  };

  const check = (node: CelNode): CelType => {
    const t = checkNode(node);
    types.set(node.id, t);
    return t;
  };

  const fail = (node: CelNode, message: string): never => {
    throw new TypeFailure(message, node.offset);
  };

  const noOverload = (node: CelNode, fn: string, args: readonly CelType[]): never =>
    fail(node, `no matching overload for '${fn}' applied to (${args.map(formatType).join(', ')})`);

  const checkNode = (node: CelNode): CelType => {
    switch (node.kind) {
      case 'literal':
        switch (node.type) {
          case 'int': {
            const v = node.value as bigint;
            if (v < INT_MIN || v > INT_MAX) fail(node, `int literal ${v} is outside the int64 range`);
            return T.int;
          }
          case 'double':
            return T.double;
          case 'string':
            return T.string;
          case 'bool':
            return T.bool;
          case 'null':
            return T.null;
          default:
            return fail(
              node,
              `${node.type} literals are not supported (the vocabulary has no ${node.type} type)`,
            );
        }
      case 'ident': {
        const t = lookup(node.name);
        return t ?? fail(node, `undeclared reference to '${node.name}'`);
      }
      case 'select': {
        const operand = check(node.operand);
        let t: CelType;
        if (operand.kind === 'record') {
          const field = operand.fields.get(node.field);
          if (field === undefined)
            fail(node, `unknown attribute '${operand.name}.${node.field}' (not in the vocabulary)`);
          t = field!.type;
        } else if (operand.kind === 'map' && (operand.key.kind === 'string' || operand.key.kind === 'any')) {
          t = operand.value;
        } else {
          return fail(node, `cannot select field '${node.field}' from ${formatType(operand)}`);
        }
        return node.testOnly ? T.bool : t;
      }
      case 'list': {
        let elem: CelType = T.any;
        for (const e of node.elements) {
          const et = check(e);
          const u = unify(elem, et);
          if (u === undefined) {
            fail(e, `list elements must share one type: ${formatType(elem)} and ${formatType(et)}`);
          }
          elem = u!;
        }
        return T.list(elem);
      }
      case 'map': {
        let value: CelType = T.any;
        for (const { key, value: v } of node.entries) {
          if (check(key).kind !== 'string') fail(key, 'map literal keys must be strings');
          const vt = check(v);
          const u = unify(value, vt);
          if (u === undefined)
            fail(v, `map values must share one type: ${formatType(value)} and ${formatType(vt)}`);
          value = u!;
        }
        return T.map(T.string, value);
      }
      case 'comprehension':
        return checkComprehension(node);
      case 'call':
        return checkCall(node);
    }
  };

  const checkComprehension = (node: ComprehensionNode): CelType => {
    // The range is evaluated once, outside the loop, so it does not count towards nesting.
    const range = check(node.range);
    if (++comprehensionDepth > LIMITS.comprehensionNesting) {
      throw new TypeFailure(
        `comprehensions (all/exists/map/filter) nest deeper than ${LIMITS.comprehensionNesting}`,
        node.offset,
        'POLICY_LIMIT_EXCEEDED',
      );
    }
    let iter: CelType;
    if (range.kind === 'list') iter = range.elem;
    else if (range.kind === 'map') iter = range.key;
    else return fail(node.range, `cannot iterate over ${formatType(range)}`);
    let accu = check(node.init);
    const scope = new Map<string, CelType>([
      [node.iterVar, iter],
      [node.accuVar, accu],
    ]);
    scopes.push(scope);
    if (check(node.cond).kind !== 'bool') fail(node.cond, 'loop condition must be bool');
    for (let round = 0; round < 2; round++) {
      const step = check(node.step);
      const u = unify(accu, step);
      if (u === undefined)
        fail(node.step, `loop step has type ${formatType(step)}, expected ${formatType(accu)}`);
      if (u === accu) break;
      accu = u!;
      scope.set(node.accuVar, accu);
    }
    scopes.pop();
    scopes.push(new Map([[node.accuVar, accu]]));
    const result = check(node.result);
    scopes.pop();
    comprehensionDepth--;
    return result;
  };

  const checkCall = (node: Extract<CelNode, { kind: 'call' }>): CelType => {
    const { fn } = node;
    const set = (overload: string, result: CelType): CelType => {
      overloads.set(node.id, overload);
      return result;
    };
    if (node.target !== undefined) {
      const target = check(node.target);
      const args = node.args.map(check);
      if (
        STRING_METHODS.has(fn) &&
        target.kind === 'string' &&
        args.length === 1 &&
        args[0]!.kind === 'string'
      ) {
        if (fn === 'matches') checkPattern(node.args[0]!);
        return set(fn, T.bool);
      }
      if (fn === 'size' && args.length === 0) return set(sizeOverload(node, target), T.int);
      return noOverload(node, `${formatType(target)}.${fn}`, args);
    }
    const args = node.args.map(check);
    const [a, b] = args;
    switch (fn) {
      case '_&&_':
      case '_||_':
        if (a?.kind !== 'bool' || b?.kind !== 'bool') return noOverload(node, fn, args);
        return set(fn === '_&&_' ? 'and' : 'or', T.bool);
      case '!_':
        if (a?.kind !== 'bool') return noOverload(node, fn, args);
        return set('not', T.bool);
      case '@not_strictly_false':
        return set('not_strictly_false', T.bool);
      case '_?_:_': {
        if (a?.kind !== 'bool') return fail(node, `ternary condition must be bool, got ${formatType(a!)}`);
        const u = unify(b!, args[2]!);
        if (u === undefined) return noOverload(node, fn, args);
        return set('cond', u);
      }
      case '_==_':
      case '_!=_': {
        const op = fn === '_==_' ? 'eq' : 'ne';
        if (a!.kind === 'null' || b!.kind === 'null') return set(`${op}_generic`, T.bool);
        if (isNumeric(a!) && isNumeric(b!) && a!.kind !== b!.kind) return set(`${op}_loose`, T.bool);
        if (unify(a!, b!) === undefined || a!.kind === 'record') return noOverload(node, fn, args);
        const scalar = COMPARABLE.has(a!.kind) || COMPARABLE.has(b!.kind);
        return set(`${op}_${scalar ? 'strict' : 'generic'}`, T.bool);
      }
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const op = COMPARE[fn]!;
        if (a!.kind === 'int' && b!.kind === 'double') return set(`${op}_int_double`, T.bool);
        if (a!.kind === 'double' && b!.kind === 'int') return set(`${op}_double_int`, T.bool);
        if (a!.kind !== b!.kind || !COMPARABLE.has(a!.kind)) return noOverload(node, fn, args);
        return set(op, T.bool);
      }
      case '_+_':
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_': {
        const op = ARITH[fn]!;
        if (a!.kind === 'int' && b!.kind === 'int') return set(`${op}_int`, T.int);
        if (a!.kind === 'double' && b!.kind === 'double' && op !== 'mod')
          return set(`${op}_double`, T.double);
        if (op === 'add' && a!.kind === 'string' && b!.kind === 'string') return set('add_string', T.string);
        if (op === 'add' && a!.kind === 'list' && b!.kind === 'list') {
          const u = unify(a!, b!);
          if (u !== undefined) return set('add_list', u);
        }
        return noOverload(node, fn, args);
      }
      case '-_':
        if (a?.kind === 'int') return set('neg_int', T.int);
        if (a?.kind === 'double') return set('neg_double', T.double);
        return noOverload(node, fn, args);
      case '@in': {
        if (b!.kind === 'list') {
          if (isNumeric(a!) && isNumeric(b!.elem) && a!.kind !== b!.elem.kind)
            return set('in_list_generic', T.bool);
          if (unify(a!, b!.elem) === undefined) return noOverload(node, 'in', args);
          const fast =
            a!.kind === 'string' || a!.kind === 'bool' || a!.kind === 'int' || a!.kind === 'timestamp';
          return set(fast ? 'in_list_strict' : 'in_list_generic', T.bool);
        }
        if (b!.kind === 'map' && a!.kind === 'string') return set('in_map', T.bool);
        return noOverload(node, 'in', args);
      }
      case '_[_]':
        if (a!.kind === 'list' && b!.kind === 'int') return set('index_list', a!.elem);
        if (a!.kind === 'map' && b!.kind === 'string') return set('index_map', a!.value);
        return noOverload(node, 'index', args);
      case 'size':
        if (args.length !== 1) return noOverload(node, fn, args);
        return set(sizeOverload(node, a!), T.int);
      case 'int':
        if (a?.kind === 'int' && args.length === 1) return set('identity', T.int);
        if (a?.kind === 'double' && args.length === 1) return set('int_double', T.int);
        return noOverload(node, fn, args);
      case 'double':
        if (a?.kind === 'double' && args.length === 1) return set('identity', T.double);
        if (a?.kind === 'int' && args.length === 1) return set('double_int', T.double);
        return noOverload(node, fn, args);
      case 'string':
        if (args.length === 1 && (a?.kind === 'string' || a?.kind === 'int' || a?.kind === 'bool')) {
          return set(a.kind === 'string' ? 'identity' : `string_${a.kind}`, T.string);
        }
        return noOverload(node, fn, args);
      case 'timestamp': {
        const arg = node.args[0];
        if (args.length !== 1 || arg?.kind !== 'literal' || arg.type !== 'string') {
          return fail(node, 'timestamp() takes one string literal');
        }
        if (parseTimestamp(arg.value as string) === undefined) {
          return fail(arg, `'${String(arg.value)}' is not an RFC 3339 timestamp in 0001..9999`);
        }
        return set('timestamp_string', T.timestamp);
      }
      default:
        return fail(node, `unknown or unsupported function '${fn.replace(/^_|_$/g, '')}'`);
    }
  };

  const sizeOverload = (node: CelNode, t: CelType): string => {
    if (t.kind === 'string') return 'size_string';
    if (t.kind === 'list') return 'size_list';
    if (t.kind === 'map') return 'size_map';
    return noOverload(node, 'size', [t]);
  };

  const checkPattern = (arg: CelNode) => {
    if (arg.kind === 'literal' && typeof arg.value === 'string' && arg.value.length > LIMITS.regexChars) {
      throw new TypeFailure(
        `regular expression has ${arg.value.length} characters; the limit is ${LIMITS.regexChars}`,
        arg.offset,
        'POLICY_LIMIT_EXCEEDED',
      );
    }
  };

  try {
    const t = check(ast);
    if (t.kind !== 'bool') {
      return {
        ok: false,
        diagnostic: {
          code: 'POLICY_TYPE_ERROR',
          message: `condition must be bool, got ${formatType(t)}`,
          offset: 0,
        },
      };
    }
    const estimate = estimateCost(ast);
    if (estimate.at !== undefined) {
      return {
        ok: false,
        diagnostic: {
          code: 'POLICY_LIMIT_EXCEEDED',
          message: `condition may take ${estimate.cost.toLocaleString('en-US')} evaluation steps; the limit is ${LIMITS.evaluationCost.toLocaleString('en-US')} (loops count their largest input: a literal's length or ${MAX_REQUEST_COLLECTION} for request lists)`,
          offset: estimate.at.offset,
        },
      };
    }
    return { ok: true, checked: { ast, types, overloads } };
  } catch (e) {
    if (e instanceof TypeFailure)
      return { ok: false, diagnostic: { code: e.code, message: e.message, offset: e.offset } };
    throw e;
  }
}
