/**
 * Decides whether a checked condition lies inside the verifiable subset: the constructs the
 * formal verifier translates to SMT (docs/policy-language.md, "The verifiable subset").
 */
import type { CelNode } from './cel-ast.js';
import { assertNever, type OverloadId } from './cel-overloads.js';
import { printCel } from './cel-printer.js';
import type { CheckedCondition } from './cel-type-checker.js';

/**
 * How the verifier treats each overload: `yes` (translated to SMT), `literal-list` (only `in`
 * on a list of literals), `no` (outside the subset). Exhaustive: a new overload must say.
 */
export function verifiability(overload: OverloadId): 'yes' | 'literal-list' | 'no' {
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
    case 'startsWith':
    case 'endsWith':
    case 'contains':
    case 'size_list':
      return 'yes';
    case 'in_list_strict':
    case 'in_list_generic':
      return 'literal-list';
    case 'not_strictly_false':
    case 'cond':
    case 'eq_generic':
    case 'ne_generic':
    case 'add_string':
    case 'matches':
    case 'size_string':
    case 'add_list':
    case 'in_map':
    case 'index_list':
    case 'index_map':
    case 'size_map':
    case 'identity':
    case 'int_double':
    case 'double_int':
    case 'string_int':
    case 'string_bool':
    case 'string_network':
    case 'timestamp_string':
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
      return 'no';
    default:
      return assertNever(overload);
  }
}

const ORDERED = new Set<OverloadId>(['lt', 'le', 'gt', 'ge']);

export interface SubsetReport {
  readonly verifiable: boolean;
  /** One line per construct outside the subset, with the sub-expression. */
  readonly reasons: readonly string[];
}

export function analyzeSubset(checked: CheckedCondition): SubsetReport {
  const reasons: string[] = [];
  const outside = (node: CelNode, what: string): void => {
    reasons.push(`${what}: ${printCel(node)}`);
  };
  const typeOf = (node: CelNode) => checked.types.get(node.id)?.kind;

  const visit = (node: CelNode): void => {
    switch (node.kind) {
      case 'literal':
        if (node.type === 'null') outside(node, 'null literal');
        break;
      case 'ident':
        break;
      case 'select':
        if (typeOf(node.operand) !== 'record') outside(node, 'field selection on a map');
        else if (!node.testOnly && typeOf(node) === 'timestamp') outside(node, 'timestamp attribute');
        else visit(node.operand);
        break;
      case 'list':
        outside(node, 'list literal outside `in`');
        break;
      case 'map':
        outside(node, 'map literal');
        break;
      case 'comprehension':
        outside(node, 'comprehension macro');
        break;
      case 'call':
        visitCall(node);
        break;
    }
  };

  const visitCall = (node: Extract<CelNode, { kind: 'call' }>): void => {
    const overload = checked.overloads.get(node.id)!;
    const verdict = verifiability(overload);
    if (verdict === 'literal-list') {
      const list = node.args[1]!;
      if (list.kind !== 'list') outside(node, '`in` on a non-literal list');
      else if (list.elements.some((e) => e.kind !== 'literal'))
        outside(node, '`in` list with non-literal elements');
      else visit(node.args[0]!);
    } else if (verdict === 'no') {
      outside(node, `'${overload}' is outside the verifiable subset`);
    } else if (ORDERED.has(overload) && !['int', 'double'].includes(typeOf(node.args[0]!) ?? '')) {
      outside(node, 'ordering comparison on a non-number');
    } else if (
      (overload === 'eq_strict' || overload === 'ne_strict') &&
      (typeOf(node.args[0]!) === 'timestamp' || typeOf(node.args[0]!) === 'duration')
    ) {
      outside(node, `${typeOf(node.args[0]!)} comparison`);
    } else {
      if (node.target !== undefined) visit(node.target);
      for (const a of node.args) visit(a);
    }
  };
  visit(checked.ast);
  return { verifiable: reasons.length === 0, reasons };
}
