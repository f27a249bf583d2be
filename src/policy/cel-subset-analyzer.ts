/**
 * Decides whether a checked condition lies inside the verifiable subset: the constructs the
 * formal verifier translates to SMT (docs/policy-language.md, "The verifiable subset").
 */
import type { CelNode } from './cel-ast.js';
import { printCel } from './cel-printer.js';
import type { CheckedCondition } from './cel-type-checker.js';

const VERIFIABLE_OVERLOADS = new Set([
  'and',
  'or',
  'not',
  'eq_strict',
  'ne_strict',
  'eq_loose',
  'ne_loose',
  'lt',
  'le',
  'gt',
  'ge',
  'lt_int_double',
  'le_int_double',
  'gt_int_double',
  'ge_int_double',
  'lt_double_int',
  'le_double_int',
  'gt_double_int',
  'ge_double_int',
  'add_int',
  'sub_int',
  'mul_int',
  'div_int',
  'mod_int',
  'neg_int',
  'add_double',
  'sub_double',
  'mul_double',
  'div_double',
  'neg_double',
  'startsWith',
  'endsWith',
  'contains',
  'size_list',
]);
const ORDERED = new Set(['lt', 'le', 'gt', 'ge']);

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
    const overload = checked.overloads.get(node.id) ?? '';
    if (overload === 'in_list_strict' || overload === 'in_list_generic') {
      const list = node.args[1]!;
      if (list.kind !== 'list') outside(node, '`in` on a non-literal list');
      else if (list.elements.some((e) => e.kind !== 'literal'))
        outside(node, '`in` list with non-literal elements');
      else visit(node.args[0]!);
    } else if (!VERIFIABLE_OVERLOADS.has(overload)) {
      outside(node, `'${overload}' is outside the verifiable subset`);
    } else if (ORDERED.has(overload) && !['int', 'double'].includes(typeOf(node.args[0]!) ?? '')) {
      outside(node, 'ordering comparison on a non-number');
    } else if (
      (overload === 'eq_strict' || overload === 'ne_strict') &&
      typeOf(node.args[0]!) === 'timestamp'
    ) {
      outside(node, 'timestamp comparison');
    } else {
      if (node.target !== undefined) visit(node.target);
      for (const a of node.args) visit(a);
    }
  };
  visit(checked.ast);
  return { verifiable: reasons.length === 0, reasons };
}
