/**
 * Prints a condition syntax tree back to CEL text (for explanations and checker reasons).
 * Macro expansions (all/exists/exists_one/map/filter) are recognized by shape and printed as
 * the macro call the author wrote.
 */
import type { CelNode, ComprehensionNode } from './cel-ast.js';

const BINARY: Record<string, [string, number]> = {
  '_||_': ['||', 1],
  '_&&_': ['&&', 2],
  '_==_': ['==', 3],
  '_!=_': ['!=', 3],
  '_<_': ['<', 3],
  '_<=_': ['<=', 3],
  '_>_': ['>', 3],
  '_>=_': ['>=', 3],
  '@in': ['in', 3],
  '_+_': ['+', 4],
  '_-_': ['-', 4],
  '_*_': ['*', 5],
  '_/_': ['/', 5],
  '_%_': ['%', 5],
};

export function printCel(node: CelNode): string {
  return print(node, 0);
}

function print(node: CelNode, parent: number): string {
  switch (node.kind) {
    case 'literal':
      if (node.type === 'string') return JSON.stringify(node.value);
      if (node.type === 'double') {
        const n = node.value as number;
        return Number.isInteger(n) ? `${n}.0` : String(n);
      }
      if (node.type === 'uint') return `${String(node.value)}u`;
      if (node.type === 'bytes') return 'b"..."';
      return String(node.value);
    case 'ident':
      return node.absolute ? `.${node.name}` : node.name;
    case 'select':
      return node.testOnly
        ? `has(${print(node.operand, 9)}.${fieldText(node.field)})`
        : `${print(node.operand, 9)}.${fieldText(node.field)}`;
    case 'list':
      return `[${node.elements.map((e) => print(e, 0)).join(', ')}]`;
    case 'map':
      return `{${node.entries.map((e) => `${print(e.key, 0)}: ${print(e.value, 0)}`).join(', ')}}`;
    case 'comprehension':
      return printMacro(node);
    case 'call': {
      const bin = BINARY[node.fn];
      if (bin !== undefined && node.args.length === 2) {
        const [op, prec] = bin;
        const text = `${print(node.args[0]!, prec)} ${op} ${print(node.args[1]!, prec + 1)}`;
        return prec < parent ? `(${text})` : text;
      }
      if (node.fn === '!_') return `!${print(node.args[0]!, 8)}`;
      if (node.fn === '-_') return `-${print(node.args[0]!, 8)}`;
      if (node.fn === '_?_:_') {
        const text = `${print(node.args[0]!, 1)} ? ${print(node.args[1]!, 1)} : ${print(node.args[2]!, 0)}`;
        return parent > 0 ? `(${text})` : text;
      }
      if (node.fn === '_[_]') return `${print(node.args[0]!, 9)}[${print(node.args[1]!, 0)}]`;
      const args = node.args.map((a) => print(a, 0)).join(', ');
      return node.target === undefined
        ? `${node.fn}(${args})`
        : `${print(node.target, 9)}.${node.fn}(${args})`;
    }
  }
}

/** The macro a comprehension was expanded from, if it has one of the standard shapes. */
export function macroName(node: ComprehensionNode): string | undefined {
  const { init, step } = node;
  if (init.kind === 'literal' && init.type === 'bool' && step.kind === 'call') {
    if (init.value === true && step.fn === '_&&_') return 'all';
    if (init.value === false && step.fn === '_||_') return 'exists';
  }
  if (init.kind === 'literal' && init.type === 'int') return 'exists_one';
  if (init.kind === 'list' && step.kind === 'call') return step.fn === '_?_:_' ? 'filter' : 'map';
  return undefined;
}

function printMacro(node: ComprehensionNode): string {
  const name = macroName(node);
  const range = print(node.range, 9);
  const step = node.step;
  if (step.kind !== 'call' || name === undefined) return `${range}.<comprehension>(${node.iterVar})`;
  let body: CelNode | undefined;
  if (name === 'all' || name === 'exists') body = step.args[1];
  else if (name === 'exists_one' || name === 'filter') body = step.args[0];
  else body = (step.args[1] as { elements?: CelNode[] } | undefined)?.elements?.[0];
  return `${range}.${name}(${node.iterVar}, ${body === undefined ? '...' : print(body, 0)})`;
}

/** A field name as CEL writes it: backtick-quoted when it is not an identifier. */
function fieldText(field: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? field : `\`${field}\``;
}
