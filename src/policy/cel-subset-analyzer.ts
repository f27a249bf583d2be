/**
 * The verifiable subset (docs/policy-language.md §6): the one definition of which conditions the
 * formal verifier translates to SMT. `acgs policy check` reports it per policy, and the verifier's
 * condition encoder asks it before encoding, so the two cannot disagree about a condition; the
 * encoder's own refusals only guard against a bug here (src/services/formal-verification/
 * subset-agreement.test.ts shows, over the fuzzers' conditions and the examples, that they never
 * fire for a condition this module admits, and that they fire for every one it refuses).
 *
 * The analysis follows the encoder's shape of every sub-expression: a scalar (string, int,
 * double, bool, timestamp), a record (namespace or attribute group, only selected from), a list
 * (attribute or literal) or a map attribute.
 */
import type { CelNode, ComprehensionNode } from './cel-ast.js';
import { assertNever, type OverloadId } from './cel-overloads.js';
import { printCel } from './cel-printer.js';
import { parseTimestamp } from './cel-runtime.js';
import type { CheckedCondition } from './cel-type-checker.js';
import type { CelType } from './cel-types.js';
import { NAMESPACES } from './vocabulary-parser.js';

/** The value types the verifier models as solver terms. */
export type VerifiableScalar = 'string' | 'int' | 'double' | 'bool' | 'timestamp';

export function isVerifiableScalar(t: CelType): t is CelType & { kind: VerifiableScalar } {
  return (
    t.kind === 'string' ||
    t.kind === 'int' ||
    t.kind === 'double' ||
    t.kind === 'bool' ||
    t.kind === 'timestamp'
  );
}

/**
 * What an overload requires of its operands to be inside the subset:
 * - `scalars`: every operand is a verifiable scalar;
 * - `same-type-branches`: the ternary, scalars with both branches of one type;
 * - `list-membership`: `x in list` with a scalar `x` and a list literal or list attribute;
 * - `map-key`: `'k' in m` and `m['k']` with a literal string key (map values scalars for `m['k']`);
 * - `list-index`: `l[i]` with a literal index into a list of scalars;
 * - `list-size`: `size(l)` of a list literal or attribute;
 * - `passthrough`: `int(i)`, `double(d)`, `string(s)` of their own type;
 * - `timestamp-literal`: `timestamp('RFC 3339 literal')`;
 * - `outside`: no SMT encoding.
 * Exhaustive: a new overload must say.
 */
export type SubsetRule =
  | 'scalars'
  | 'same-type-branches'
  | 'list-membership'
  | 'map-key'
  | 'list-index'
  | 'list-size'
  | 'passthrough'
  | 'timestamp-literal'
  | 'outside';

export function verifiability(overload: OverloadId): SubsetRule {
  switch (overload) {
    case 'and':
    case 'or':
    case 'not':
    case 'eq_strict':
    case 'ne_strict':
    case 'eq_loose':
    case 'ne_loose':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'lt_int_double':
    case 'le_int_double':
    case 'gt_int_double':
    case 'ge_int_double':
    case 'lt_double_int':
    case 'le_double_int':
    case 'gt_double_int':
    case 'ge_double_int':
    case 'add_int':
    case 'sub_int':
    case 'mul_int':
    case 'div_int':
    case 'mod_int':
    case 'neg_int':
    case 'add_double':
    case 'sub_double':
    case 'mul_double':
    case 'div_double':
    case 'neg_double':
    case 'add_string':
    case 'startsWith':
    case 'endsWith':
    case 'contains':
    case 'int_double':
    case 'double_int':
    case 'string_int':
    case 'string_bool':
      return 'scalars';
    case 'cond':
      return 'same-type-branches';
    case 'in_list_strict':
    case 'in_list_generic':
      return 'list-membership';
    case 'in_map':
    case 'index_map':
      return 'map-key';
    case 'index_list':
      return 'list-index';
    case 'size_list':
      return 'list-size';
    case 'identity':
      return 'passthrough';
    case 'timestamp_string':
      return 'timestamp-literal';
    case 'not_strictly_false':
    case 'eq_generic':
    case 'ne_generic':
    case 'matches':
    case 'size_string':
    case 'add_list':
    case 'size_map':
    case 'string_network':
    case 'timestamp_field':
    case 'duration_string':
    case 'duration_field':
    case 'add_timestamp_duration':
    case 'add_duration':
    case 'sub_timestamp_duration':
    case 'sub_timestamps':
    case 'sub_duration':
    case 'url_string':
    case 'url_field':
    case 'url_query':
    case 'ip_string':
    case 'cidr_string':
    case 'is_network_value':
    case 'ip_family':
    case 'ip_predicate':
    case 'cidr_contains_ip':
    case 'cidr_contains_cidr':
    case 'cidr_ip':
    case 'cidr_prefix_length':
    case 'cidr_masked':
    case 'charAt':
    case 'indexOf':
    case 'lastIndexOf':
    case 'lowerAscii':
    case 'upperAscii':
    case 'replace':
    case 'split':
    case 'substring':
    case 'trim':
    case 'join':
      return 'outside';
    default:
      return assertNever(overload);
  }
}

/** Recognises the expansions of `all` and `exists`, the only comprehensions inside the subset. */
export function comprehensionMacro(node: ComprehensionNode): 'all' | 'exists' | undefined {
  const { init, cond, step, result, accuVar } = node;
  const isAccu = (n: CelNode) => n.kind === 'ident' && n.name === accuVar;
  if (init.kind !== 'literal' || init.type !== 'bool' || !isAccu(result)) return undefined;
  if (step.kind !== 'call' || step.args.length !== 2 || !isAccu(step.args[0]!)) return undefined;
  if (cond.kind !== 'call' || cond.fn !== '@not_strictly_false') return undefined;
  const inner = cond.args[0]!;
  if (init.value === true && step.fn === '_&&_' && isAccu(inner)) return 'all';
  if (
    init.value === false &&
    step.fn === '_||_' &&
    inner.kind === 'call' &&
    inner.fn === '!_' &&
    isAccu(inner.args[0]!)
  )
    return 'exists';
  return undefined;
}

export interface SubsetReport {
  readonly verifiable: boolean;
  /** One line per construct outside the subset, `<construct>: <sub-expression>`. */
  readonly reasons: readonly string[];
  /** The same, as construct and sub-expression. */
  readonly outside: readonly { readonly construct: string; readonly expression: string }[];
}

/** How the encoder holds a sub-expression; `list-literal` keeps its items, `list` is an attribute. */
type Shape = 'scalar' | 'record' | 'list' | 'list-literal' | 'map';
type CallNode = Extract<CelNode, { kind: 'call' }>;

const isList = (s: Shape | undefined) => s === 'list' || s === 'list-literal';

/** Decides whether a checked condition lies inside the verifiable subset, and why not. */
export function analyzeSubset(checked: CheckedCondition): SubsetReport {
  const outsideList: { construct: string; expression: string }[] = [];
  const outside = (node: CelNode, construct: string): undefined => {
    outsideList.push({ construct, expression: printCel(node) });
    return undefined;
  };
  const typeOf = (node: CelNode): CelType => checked.types.get(node.id)!;
  const locals: string[] = [];
  let loopDepth = 0;

  const scalar = (node: CelNode): boolean => {
    const s = shape(node);
    if (s === undefined) return false;
    if (s !== 'scalar') {
      outside(node, `${s === 'list-literal' ? 'list' : s} value used as a scalar`);
      return false;
    }
    return true;
  };
  /** A list attribute's elements are not read inside an all/exists body. */
  const readable = (node: CelNode, s: Shape): boolean => {
    if (s !== 'list' || loopDepth === 0) return true;
    outside(node, 'list attribute elements read inside a loop body');
    return false;
  };

  const shape = (node: CelNode): Shape | undefined => {
    switch (node.kind) {
      case 'literal':
        return ['int', 'double', 'string', 'bool'].includes(node.type)
          ? 'scalar'
          : outside(node, `${node.type} literal`);
      case 'ident':
        if (locals.includes(node.name)) return 'scalar';
        return (NAMESPACES as readonly string[]).includes(node.name)
          ? 'record'
          : outside(node, 'unknown identifier');
      case 'select':
        return selectShape(node);
      case 'list': {
        const ok = node.elements.map(scalar).every(Boolean);
        return ok ? 'list-literal' : undefined;
      }
      case 'map':
        return outside(node, 'map literal');
      case 'comprehension':
        return comprehensionShape(node);
      case 'call':
        return callShape(node);
    }
  };

  const selectShape = (node: Extract<CelNode, { kind: 'select' }>): Shape | undefined => {
    const operand = shape(node.operand);
    if (operand === undefined) return undefined;
    if (operand === 'map') {
      const value = (typeOf(node.operand) as { value: CelType }).value;
      return isVerifiableScalar(value) ? 'scalar' : outside(node, 'map of collections');
    }
    if (operand !== 'record') return outside(node, 'field selection on a non-record');
    if (node.testOnly) return 'scalar';
    const t = typeOf(node);
    if (t.kind === 'record') return 'record';
    if (t.kind === 'list') return isVerifiableScalar(t.elem) ? 'list' : outside(node, 'list of collections');
    if (t.kind === 'map') return 'map';
    return isVerifiableScalar(t) ? 'scalar' : outside(node, `attribute of type ${t.kind}`);
  };

  const comprehensionShape = (node: ComprehensionNode): Shape | undefined => {
    if (comprehensionMacro(node) === undefined)
      return outside(node, 'comprehension macro other than all/exists');
    const range = shape(node.range);
    if (range === undefined) return undefined;
    if (!isList(range)) return outside(node, 'all/exists over a map');
    if (!readable(node, range)) return undefined;
    loopDepth++;
    locals.push(node.iterVar);
    const ok = scalar((node.step as CallNode).args[1]!);
    locals.pop();
    loopDepth--;
    return ok ? 'scalar' : undefined;
  };

  const callShape = (node: CallNode): Shape | undefined => {
    const overload = checked.overloads.get(node.id);
    if (overload === undefined) return outside(node, `call '${node.fn}' without an overload`);
    const operands = node.target === undefined ? node.args : [node.target, ...node.args];
    const rule = verifiability(overload);
    switch (rule) {
      case 'outside':
        return outside(node, `'${overload}' is outside the verifiable subset`);
      case 'scalars':
        return operands.map(scalar).every(Boolean) ? 'scalar' : undefined;
      case 'same-type-branches': {
        if (!operands.map(scalar).every(Boolean)) return undefined;
        return typeOf(operands[1]!).kind === typeOf(operands[2]!).kind
          ? 'scalar'
          : outside(node, 'ternary with branches of different types');
      }
      case 'list-membership': {
        const x = scalar(operands[0]!);
        const list = shape(operands[1]!);
        if (list === undefined || !x) return undefined;
        if (!isList(list)) return outside(node, '`in` on a non-list');
        return readable(node, list) ? 'scalar' : undefined;
      }
      case 'map-key':
        return mapKeyShape(node, overload, operands);
      case 'list-index': {
        const list = shape(operands[0]!);
        const index = operands[1]!;
        if (list === undefined) return undefined;
        if (!isList(list)) return outside(node, 'index on a non-list');
        if (index.kind !== 'literal' || typeof index.value !== 'bigint')
          return outside(node, 'list index that is not a literal');
        if (!isVerifiableScalar((typeOf(operands[0]!) as { elem: CelType }).elem))
          return outside(node, 'index into a list of collections');
        return readable(node, list) ? 'scalar' : undefined;
      }
      case 'list-size': {
        const list = shape(operands[0]!);
        if (list === undefined) return undefined;
        return isList(list) ? 'scalar' : outside(node, 'size of a non-list');
      }
      case 'passthrough':
        return shape(operands[0]!);
      case 'timestamp-literal': {
        const arg = operands[0]!;
        const literal = arg.kind === 'literal' && typeof arg.value === 'string';
        return literal && parseTimestamp(arg.value as string) !== undefined
          ? 'scalar'
          : outside(node, 'timestamp() of a non-literal');
      }
      default:
        return assertNever(rule);
    }
  };

  const mapKeyShape = (
    node: CallNode,
    overload: OverloadId,
    operands: readonly CelNode[],
  ): Shape | undefined => {
    const membership = overload === 'in_map';
    const [mapNode, key] = membership ? [operands[1]!, operands[0]!] : [operands[0]!, operands[1]!];
    const map = shape(mapNode);
    if (map === undefined) return undefined;
    if (map !== 'map') return outside(node, membership ? '`in` on a non-map' : 'index on a non-map');
    if (key.kind !== 'literal' || typeof key.value !== 'string')
      return outside(
        node,
        membership ? '`in` on a map with a non-literal key' : 'map index that is not a literal',
      );
    if (!membership && !isVerifiableScalar((typeOf(mapNode) as { value: CelType }).value))
      return outside(node, 'map of collections');
    return 'scalar';
  };

  scalar(checked.ast);
  return {
    verifiable: outsideList.length === 0,
    reasons: outsideList.map((o) => `${o.construct}: ${o.expression}`),
    outside: outsideList,
  };
}
