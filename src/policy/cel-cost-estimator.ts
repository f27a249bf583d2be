/**
 * A static upper bound on the work one evaluation of a condition can do: every node costs 1,
 * and a comprehension's loop costs its body times the largest collection it can iterate (a
 * literal's length, or the request limit for attributes). Conditions above
 * `LIMITS.evaluationCost` are rejected at check time, so nested loops over request lists
 * cannot make a decision slow.
 */
import type { CelNode } from './cel-ast.js';
import { LIMITS } from './policy-limits.js';
import { MAX_REQUEST_COLLECTION } from './request-validator.js';

export interface CostEstimate {
  readonly cost: number;
  /** Node where the bound was exceeded first (for the error position). */
  readonly at?: CelNode;
}

export function estimateCost(ast: CelNode): CostEstimate {
  let at: CelNode | undefined;
  // Largest number of elements an expression can produce, for loops over it.
  const sizeOf = (node: CelNode): number => {
    if (node.kind === 'list') return node.elements.length;
    if (node.kind === 'map') return node.entries.length;
    if (node.kind === 'comprehension') return sizeOf(node.range);
    if (node.kind === 'call' && node.fn === '_+_' && node.args.length === 2) {
      return sizeOf(node.args[0]!) + sizeOf(node.args[1]!);
    }
    return MAX_REQUEST_COLLECTION;
  };
  const cost = (node: CelNode): number => {
    let c: number;
    switch (node.kind) {
      case 'literal':
      case 'ident':
        c = 1;
        break;
      case 'select':
        c = 1 + cost(node.operand);
        break;
      case 'list':
        c = 1 + node.elements.reduce((s, e) => s + cost(e), 0);
        break;
      case 'map':
        c = 1 + node.entries.reduce((s, e) => s + cost(e.key) + cost(e.value), 0);
        break;
      case 'call':
        c =
          1 +
          (node.target === undefined ? 0 : cost(node.target)) +
          node.args.reduce((s, a) => s + cost(a), 0);
        break;
      case 'comprehension':
        c =
          1 +
          cost(node.range) +
          cost(node.init) +
          sizeOf(node.range) * (cost(node.cond) + cost(node.step)) +
          cost(node.result);
        break;
    }
    if (c > LIMITS.evaluationCost && at === undefined) at = node;
    return c;
  };
  const total = cost(ast);
  return at === undefined ? { cost: total } : { cost: total, at };
}
