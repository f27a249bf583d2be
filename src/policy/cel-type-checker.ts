/**
 * Type-checks a condition against the vocabulary and resolves every operator to one overload
 * (`cel-overloads.ts`; calls are resolved family by family in `cel-call-checker.ts`). The
 * compiler trusts this result: it emits code for exactly the overload recorded here, so no type
 * dispatch happens at run time.
 */
import type {
  CelNode,
  ComprehensionNode,
  ConditionDiagnostic,
  ListNode,
  LiteralNode,
  MapNode,
  SelectNode,
} from './cel-ast.js';
import { type CallCheckContext, checkCall } from './cel-call-checker.js';
import { estimateCost } from './cel-cost-estimator.js';
import type { OverloadId } from './cel-overloads.js';
import { didYouMean } from './cel-suggest.js';
import { type CelType, formatType, T, unify } from './cel-types.js';
import { LIMITS } from './policy-limits.js';
import { MAX_REQUEST_COLLECTION } from './request-validator.js';
import { NAMESPACES, type Vocabulary } from './vocabulary-parser.js';

export interface CheckedCondition {
  readonly ast: CelNode;
  /** Static type of every node, by node id. */
  readonly types: ReadonlyMap<number, CelType>;
  /** Overload chosen for every call node, by node id (e.g. `add_int`, `lt_int_double`). */
  readonly overloads: ReadonlyMap<number, OverloadId>;
}

export type CheckResult =
  | { readonly ok: true; readonly checked: CheckedCondition }
  | { readonly ok: false; readonly diagnostic: ConditionDiagnostic };

/** The types tried, in order, for the variable of a macro over `[]`. */
const EMPTY_LIST_CANDIDATES: readonly CelType[] = [
  T.int,
  T.double,
  T.string,
  T.bool,
  T.timestamp,
  T.duration,
  T.list(T.any),
  T.map(T.string, T.any),
];

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

/** Checks that `ast` is a well-typed boolean condition over the vocabulary. */
export function checkCondition(ast: CelNode, vocabulary: Vocabulary): CheckResult {
  const checker = new ConditionChecker(vocabulary);
  try {
    const t = checker.check(ast);
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
    return { ok: true, checked: { ast, types: checker.types, overloads: checker.overloads } };
  } catch (e) {
    if (e instanceof TypeFailure)
      return { ok: false, diagnostic: { code: e.code, message: e.message, offset: e.offset } };
    throw e;
  }
}

/** One condition's checking state: the type of every node, the overload of every call, the scopes. */
class ConditionChecker implements CallCheckContext {
  readonly types = new Map<number, CelType>();
  readonly overloads = new Map<number, OverloadId>();
  readonly #scopes: Map<string, CelType>[] = [];
  #comprehensionDepth = 0;

  constructor(private readonly vocabulary: Vocabulary) {}

  check(node: CelNode): CelType {
    const t = this.#checkNode(node);
    this.types.set(node.id, t);
    return t;
  }

  fail(node: CelNode, message: string, code?: ConditionDiagnostic['code']): never {
    throw new TypeFailure(message, node.offset, code);
  }

  /** The names a condition may use here: the request namespaces and the loop variables in scope. */
  #visibleNames(): string[] {
    return [
      ...NAMESPACES,
      ...this.#scopes.flatMap((scope) => [...scope.keys()].filter((n) => !n.startsWith('@'))),
    ];
  }

  #lookup(name: string, absolute = false): CelType | undefined {
    for (let i = absolute ? -1 : this.#scopes.length - 1; i >= 0; i--) {
      const t = this.#scopes[i]!.get(name);
      if (t !== undefined) return t;
    }
    return (NAMESPACES as readonly string[]).includes(name)
      ? this.vocabulary.roots[name as 'action']
      : undefined;
  }

  #checkNode(node: CelNode): CelType {
    switch (node.kind) {
      case 'literal':
        return this.#checkLiteral(node);
      case 'ident':
        return (
          this.#lookup(node.name, node.absolute) ??
          this.fail(
            node,
            `undeclared reference to '${node.name}'${didYouMean(node.name, this.#visibleNames())}`,
          )
        );
      case 'select':
        return this.#checkSelect(node);
      case 'list':
        return this.#checkList(node);
      case 'map':
        return this.#checkMap(node);
      case 'comprehension':
        return this.#checkComprehension(node);
      case 'call': {
        const { overload, type } = checkCall(node, this);
        this.overloads.set(node.id, overload);
        return type;
      }
    }
  }

  #checkLiteral(node: LiteralNode): CelType {
    switch (node.type) {
      case 'int': {
        const v = node.value as bigint;
        if (v < INT_MIN || v > INT_MAX) this.fail(node, `int literal ${v} is outside the int64 range`);
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
        return this.fail(
          node,
          `${node.type} literals are not supported (the vocabulary has no ${node.type} type)`,
        );
    }
  }

  #checkSelect(node: SelectNode): CelType {
    const operand = this.check(node.operand);
    let t: CelType;
    if (operand.kind === 'record') {
      const field = operand.fields.get(node.field);
      if (field === undefined)
        this.fail(
          node,
          `unknown attribute '${operand.name}.${node.field}' (not in the vocabulary)${didYouMean(node.field, operand.fields.keys(), `${operand.name}.`)}`,
        );
      t = field.type;
    } else if (operand.kind === 'map' && (operand.key.kind === 'string' || operand.key.kind === 'any')) {
      t = operand.value;
    } else {
      return this.fail(node, `cannot select field '${node.field}' from ${formatType(operand)}`);
    }
    return node.testOnly ? T.bool : t;
  }

  #checkList(node: ListNode): CelType {
    let elem: CelType = T.any;
    for (const e of node.elements) {
      const et = this.check(e);
      const u = unify(elem, et);
      if (u === undefined) {
        this.fail(e, `list elements must share one type: ${formatType(elem)} and ${formatType(et)}`);
      }
      elem = u;
    }
    return T.list(elem);
  }

  #checkMap(node: MapNode): CelType {
    let value: CelType = T.any;
    for (const { key, value: v } of node.entries) {
      if (this.check(key).kind !== 'string') this.fail(key, 'map literal keys must be strings');
      const vt = this.check(v);
      const u = unify(value, vt);
      if (u === undefined)
        this.fail(v, `map values must share one type: ${formatType(value)} and ${formatType(vt)}`);
      value = u;
    }
    return T.map(T.string, value);
  }

  #checkComprehension(node: ComprehensionNode): CelType {
    // The range is evaluated once, outside the loop, so it does not count towards nesting.
    const range = this.check(node.range);
    if (++this.#comprehensionDepth > LIMITS.comprehensionNesting) {
      throw new TypeFailure(
        `comprehensions (all/exists/map/filter) nest deeper than ${LIMITS.comprehensionNesting}`,
        node.offset,
        'POLICY_LIMIT_EXCEEDED',
      );
    }
    let iter: CelType;
    if (range.kind === 'list') iter = range.elem;
    else if (range.kind === 'map') iter = range.key;
    else return this.fail(node.range, `cannot iterate over ${formatType(range)}`);
    const result =
      node.range.kind === 'list' && node.range.elements.length === 0 && iter.kind === 'any'
        ? this.#checkOverEmptyList(node)
        : this.#checkLoop(node, iter);
    this.#comprehensionDepth--;
    return result;
  }

  /**
   * A macro over an empty list literal (`[].all(x, x > 0)`): cel-go gives the variable the type
   * dyn; its body never runs, so the variable takes the first type under which the body checks.
   */
  #checkOverEmptyList(node: ComprehensionNode): CelType {
    const depth = this.#scopes.length;
    let first: unknown;
    for (const candidate of EMPTY_LIST_CANDIDATES) {
      try {
        return this.#checkLoop(node, candidate);
      } catch (e) {
        if (!(e instanceof TypeFailure) || e.code === 'POLICY_LIMIT_EXCEEDED') throw e;
        this.#scopes.length = depth;
        first ??= e;
      }
    }
    throw first;
  }

  #checkLoop(node: ComprehensionNode, iter: CelType): CelType {
    let accu = this.check(node.init);
    const scope = new Map<string, CelType>([
      [node.iterVar, iter],
      [node.accuVar, accu],
    ]);
    this.#scopes.push(scope);
    if (this.check(node.cond).kind !== 'bool') this.fail(node.cond, 'loop condition must be bool');
    for (let round = 0; round < 2; round++) {
      const step = this.check(node.step);
      const u = unify(accu, step);
      if (u === undefined)
        this.fail(node.step, `loop step has type ${formatType(step)}, expected ${formatType(accu)}`);
      if (u === accu) break;
      accu = u;
      scope.set(node.accuVar, accu);
    }
    this.#scopes.pop();
    this.#scopes.push(new Map([[node.accuVar, accu]]));
    const result = this.check(node.result);
    this.#scopes.pop();
    return result;
  }
}
