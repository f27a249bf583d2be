/**
 * Conditions as data for the operators: a condition is read as its top-level conjuncts
 * (`a && b && c`), each printed back to CEL; numeric comparisons between an attribute and a
 * literal are found and their literal moved. Nothing here evaluates anything.
 */
import type { CallNode, CelNode, LiteralNode } from '../../../policy/cel-ast.js';
import { parseCondition } from '../../../policy/cel-ast.js';
import { printCel } from '../../../policy/cel-printer.js';

/** The top-level conjuncts of a condition, or undefined when it does not parse. */
export function conjunctsOf(condition: string): CelNode[] | undefined {
  const parsed = parseCondition(condition);
  if (!parsed.ok) return undefined;
  const out: CelNode[] = [];
  const walk = (node: CelNode) => {
    if (node.kind === 'call' && node.fn === '_&&_' && node.args.length === 2) {
      walk(node.args[0]!);
      walk(node.args[1]!);
    } else out.push(node);
  };
  walk(parsed.ast);
  return out;
}

/** One conjunct as CEL text that stays one conjunct when joined with `&&`. */
export function conjunctText(node: CelNode): string {
  const text = printCel(node);
  const loose = node.kind === 'call' && (node.fn === '_||_' || node.fn === '_?_:_');
  return loose ? `(${text})` : text;
}

/** Joins conjunct texts into a condition (`true` for none). */
export function joinConjuncts(texts: readonly string[]): string {
  return texts.length === 0 ? 'true' : texts.join(' && ');
}

/** The dotted attribute path of `principal.attrs.trust_level`-like selects, else undefined. */
export function attributePath(node: CelNode): string | undefined {
  if (node.kind === 'ident') return node.name;
  if (node.kind === 'select' && !node.testOnly) {
    const base = attributePath(node.operand);
    return base === undefined ? undefined : `${base}.${node.field}`;
  }
  return undefined;
}

/**
 * What a numeric comparison measures: an attribute (`action.amount`) or the size of a list
 * attribute, written `size(action.recipients)` whether the source said `size(x)` or `x.size()`.
 */
export function measurePath(node: CelNode): string | undefined {
  if (node.kind === 'call' && node.fn === 'size') {
    const operand = node.target === undefined ? node.args[0] : node.target;
    const count = node.target === undefined ? 1 : 0;
    const path = operand === undefined || node.args.length !== count ? undefined : attributePath(operand);
    return path === undefined ? undefined : `size(${path})`;
  }
  return attributePath(node);
}

const COMPARISONS = new Set(['_<_', '_<=_', '_>_', '_>=_']);

/** `measure op literal` (or the literal first), with the literal's place. */
export interface NumericComparison {
  /** The measure (`measurePath`): an attribute path or `size(<path>)`. */
  readonly path: string;
  /** The operator as if the attribute were on the left. */
  readonly op: '<' | '<=' | '>' | '>=';
  readonly value: number;
  readonly literal: LiteralNode;
}

const FLIP = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
const OP_OF: Record<string, NumericComparison['op']> = { '_<_': '<', '_<=_': '<=', '_>_': '>', '_>=_': '>=' };

/** Every measure-versus-number comparison in a tree, in source order. */
export function numericComparisons(root: CelNode): NumericComparison[] {
  const out: NumericComparison[] = [];
  visit(root, (node) => {
    if (node.kind !== 'call' || !COMPARISONS.has(node.fn) || node.args.length !== 2) return;
    const [left, right] = node.args as [CelNode, CelNode];
    const op = OP_OF[node.fn]!;
    const literalRight = numericLiteral(right);
    const literalLeft = numericLiteral(left);
    if (literalRight !== undefined && measurePath(left) !== undefined)
      out.push({ path: measurePath(left)!, op, value: Number(literalRight.value), literal: literalRight });
    else if (literalLeft !== undefined && measurePath(right) !== undefined)
      out.push({
        path: measurePath(right)!,
        op: FLIP[op],
        value: Number(literalLeft.value),
        literal: literalLeft,
      });
  });
  return out;
}

function numericLiteral(node: CelNode): LiteralNode | undefined {
  return node.kind === 'literal' && (node.type === 'int' || node.type === 'double' || node.type === 'uint')
    ? node
    : undefined;
}

/** The tree with one literal replaced by `value` (kept in the literal's own type). */
export function withLiteral(root: CelNode, literal: LiteralNode, value: number): CelNode {
  const replacement: LiteralNode = {
    ...literal,
    value: literal.type === 'double' ? value : BigInt(Math.trunc(value)),
  };
  return replace(root, (node) => (node === literal ? replacement : undefined));
}

/**
 * Whether a comparison matches fewer requests when its literal grows: `x > c` and `x >= c` do,
 * `x < c` and `x <= c` match more.
 */
export function growingNarrows(op: NumericComparison['op']): boolean {
  return op === '>' || op === '>=';
}

function visit(node: CelNode, fn: (node: CelNode) => void): void {
  fn(node);
  switch (node.kind) {
    case 'select':
      visit(node.operand, fn);
      return;
    case 'call':
      if (node.target !== undefined) visit(node.target, fn);
      for (const a of node.args) visit(a, fn);
      return;
    case 'list':
      for (const e of node.elements) visit(e, fn);
      return;
    case 'map':
      for (const e of node.entries) {
        visit(e.key, fn);
        visit(e.value, fn);
      }
      return;
    case 'comprehension':
      for (const n of [node.range, node.init, node.cond, node.step, node.result]) visit(n, fn);
      return;
    default:
      return;
  }
}

function replace(node: CelNode, fn: (node: CelNode) => CelNode | undefined): CelNode {
  const swapped = fn(node);
  if (swapped !== undefined) return swapped;
  const r = (n: CelNode) => replace(n, fn);
  switch (node.kind) {
    case 'select':
      return { ...node, operand: r(node.operand) };
    case 'call':
      return {
        ...node,
        target: node.target === undefined ? undefined : r(node.target),
        args: node.args.map(r),
      } satisfies CallNode;
    case 'list':
      return { ...node, elements: node.elements.map(r) };
    case 'map':
      return { ...node, entries: node.entries.map((e) => ({ key: r(e.key), value: r(e.value) })) };
    case 'comprehension':
      return {
        ...node,
        range: r(node.range),
        init: r(node.init),
        cond: r(node.cond),
        step: r(node.step),
        result: r(node.result),
      };
    default:
      return node;
  }
}

/** Whether a tree reads `action.type` (such conjuncts belong to a policy's target, not its condition). */
export function readsActionType(root: CelNode): boolean {
  let found = false;
  visit(root, (node) => {
    if (attributePath(node) === 'action.type') found = true;
  });
  return found;
}
