/**
 * The condition syntax tree: @bufbuild/cel parses the text, and we convert its protobuf
 * `Expr` into plain nodes with a `kind` discriminant and a source offset, enforcing the
 * language limits on the way (so nothing later can be made to run long or recurse deep).
 */
import { parse } from '@bufbuild/cel';
import { unquoteFields } from './cel-quoted-fields.js';
import { LIMITS } from './policy-limits.js';

interface Base {
  readonly id: number;
  /** Offset of the node in the condition text (UTF-16 units). */
  readonly offset: number;
}
export type LiteralType = 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'bool' | 'null';
export interface LiteralNode extends Base {
  readonly kind: 'literal';
  readonly type: LiteralType;
  readonly value: bigint | number | string | boolean | Uint8Array | null;
}
export interface IdentNode extends Base {
  readonly kind: 'ident';
  readonly name: string;
  /** Written with a leading dot (`.principal`): the root name, never a comprehension variable. */
  readonly absolute?: true;
}
export interface SelectNode extends Base {
  readonly kind: 'select';
  readonly operand: CelNode;
  readonly field: string;
  /** `has(operand.field)` */
  readonly testOnly: boolean;
}
export interface CallNode extends Base {
  readonly kind: 'call';
  readonly fn: string;
  readonly target: CelNode | undefined;
  readonly args: readonly CelNode[];
}
export interface ListNode extends Base {
  readonly kind: 'list';
  readonly elements: readonly CelNode[];
}
export interface MapNode extends Base {
  readonly kind: 'map';
  readonly entries: readonly { readonly key: CelNode; readonly value: CelNode }[];
}
export interface ComprehensionNode extends Base {
  readonly kind: 'comprehension';
  readonly iterVar: string;
  readonly range: CelNode;
  readonly accuVar: string;
  readonly init: CelNode;
  readonly cond: CelNode;
  readonly step: CelNode;
  readonly result: CelNode;
}
export type CelNode =
  | LiteralNode
  | IdentNode
  | SelectNode
  | CallNode
  | ListNode
  | MapNode
  | ComprehensionNode;

/** A problem in a condition: message, offset in the condition text, and error code. */
export interface ConditionDiagnostic {
  readonly code: 'POLICY_PARSE_ERROR' | 'POLICY_TYPE_ERROR' | 'POLICY_LIMIT_EXCEEDED';
  readonly message: string;
  readonly offset: number;
}

export type ParseResult =
  | { readonly ok: true; readonly ast: CelNode }
  | { readonly ok: false; readonly diagnostic: ConditionDiagnostic };

// biome-ignore lint/suspicious/noExplicitAny: @bufbuild/cel does not export its protobuf Expr types
type PbExpr = any;

const limit = (message: string, offset = 0): ParseResult => ({
  ok: false,
  diagnostic: { code: 'POLICY_LIMIT_EXCEEDED', message, offset },
});

/** Parses a condition into the syntax tree, or returns the first problem with its offset. */
export function parseCondition(text: string): ParseResult {
  if (text.length > LIMITS.conditionChars) {
    return limit(`condition is ${text.length} characters; the limit is ${LIMITS.conditionChars}`);
  }
  const deep = bracketDepthExceeded(text);
  if (deep !== undefined) {
    return limit(`brackets nest deeper than ${LIMITS.nestingDepth}`, deep);
  }
  let parsed: { expr: PbExpr; sourceInfo?: { positions: Record<string, number> } };
  const quoted = unquoteFields(text);
  try {
    parsed = parse(quoted.text);
  } catch (e) {
    if (e instanceof RangeError) return limit(`expression nests deeper than ${LIMITS.nestingDepth}`);
    // An unbalanced bracket is named where it is, not where the parser gave up (the `&&` before an
    // unclosed `(` would be blamed otherwise).
    const bracket = unbalancedBracket(text);
    if (bracket !== undefined) return { ok: false, diagnostic: { code: 'POLICY_PARSE_ERROR', ...bracket } };
    const loc = (e as { location?: { start?: { offset?: number } } }).location?.start?.offset ?? 0;
    const raw = (e as { rawMessage?: string }).rawMessage ?? (e as Error).message ?? String(e);
    return { ok: false, diagnostic: { code: 'POLICY_PARSE_ERROR', message: raw, offset: loc } };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const state = { nodes: 0, text: quoted.text, names: quoted.names };
  try {
    return { ok: true, ast: convert(parsed.expr, positions, state, 0) };
  } catch (e) {
    if (e instanceof ConvertError) return { ok: false, diagnostic: e.diagnostic };
    throw e;
  }
}

class ConvertError extends Error {
  constructor(readonly diagnostic: ConditionDiagnostic) {
    super(diagnostic.message);
  }
}
function convert(
  expr: PbExpr,
  positions: Record<string, number>,
  state: { nodes: number; readonly text: string; readonly names: ReadonlyMap<string, string> },
  depth: number,
): CelNode {
  const id = Number(expr.id);
  const offset = positions[String(expr.id)] ?? 0;
  const bail = (code: ConditionDiagnostic['code'], message: string): never => {
    throw new ConvertError({ code, message, offset });
  };
  if (++state.nodes > LIMITS.nodes)
    bail('POLICY_LIMIT_EXCEEDED', `expression has more than ${LIMITS.nodes} nodes`);
  if (depth > LIMITS.astDepth)
    bail('POLICY_LIMIT_EXCEEDED', `expression tree is deeper than ${LIMITS.astDepth}`);
  const sub = (e: PbExpr) => convert(e, positions, state, depth + 1);
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr': {
      const c = kind.value.constantKind;
      const map: Record<string, LiteralType> = {
        int64Value: 'int',
        uint64Value: 'uint',
        doubleValue: 'double',
        stringValue: 'string',
        bytesValue: 'bytes',
        boolValue: 'bool',
        nullValue: 'null',
      };
      const type = map[c.case];
      if (type === undefined) return bail('POLICY_PARSE_ERROR', `unsupported literal ${c.case}`);
      return { kind: 'literal', id, offset, type, value: type === 'null' ? null : c.value };
    }
    case 'identExpr':
      // The parser drops a leading dot but positions the identifier at it. (Identifiers that
      // macros generate sit at the macro's dot, followed by the macro's name, not their own.)
      return state.text[offset] === '.' && state.text.startsWith(kind.value.name, offset + 1)
        ? { kind: 'ident', id, offset, name: kind.value.name, absolute: true }
        : { kind: 'ident', id, offset, name: kind.value.name };
    case 'selectExpr':
      return {
        kind: 'select',
        id,
        offset,
        operand: sub(kind.value.operand),
        field: state.names.get(kind.value.field) ?? kind.value.field,
        testOnly: kind.value.testOnly,
      };
    case 'callExpr':
      return {
        kind: 'call',
        id,
        offset,
        fn: kind.value.function,
        target: kind.value.target === undefined ? undefined : sub(kind.value.target),
        args: kind.value.args.map(sub),
      };
    case 'listExpr': {
      const elements = kind.value.elements;
      if (elements.length > LIMITS.listLiteral) {
        bail(
          'POLICY_LIMIT_EXCEEDED',
          `list literal has ${elements.length} elements; the limit is ${LIMITS.listLiteral}`,
        );
      }
      return { kind: 'list', id, offset, elements: elements.map(sub) };
    }
    case 'structExpr': {
      if (kind.value.messageName !== '')
        return bail('POLICY_TYPE_ERROR', `message literals are not supported`);
      const entries = kind.value.entries;
      if (entries.length > LIMITS.listLiteral) {
        bail(
          'POLICY_LIMIT_EXCEEDED',
          `map literal has ${entries.length} entries; the limit is ${LIMITS.listLiteral}`,
        );
      }
      const out = entries.map((e: PbExpr) => {
        if (e.optionalEntry) bail('POLICY_TYPE_ERROR', 'optional map entries are not supported');
        return { key: sub(e.keyKind.value), value: sub(e.value) };
      });
      return { kind: 'map', id, offset, entries: out };
    }
    case 'comprehensionExpr': {
      const v = kind.value;
      if (v.iterVar2) bail('POLICY_TYPE_ERROR', 'two-variable comprehensions are not supported');
      return {
        kind: 'comprehension',
        id,
        offset,
        iterVar: v.iterVar,
        accuVar: v.accuVar,
        range: sub(v.iterRange),
        init: sub(v.accuInit),
        cond: sub(v.loopCondition),
        step: sub(v.loopStep),
        result: sub(v.result),
      };
    }
    default:
      return bail('POLICY_PARSE_ERROR', `unsupported expression ${String(kind.case)}`);
  }
}

/** Offset where bracket nesting passes the limit (string literals skipped), or undefined. */
const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The first bracket without its partner (string literals skipped), with a message; or undefined. */
function unbalancedBracket(text: string): { message: string; offset: number } | undefined {
  const open: { ch: string; at: number }[] = [];
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      if (ch === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = '';
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += quote.length - 1;
    } else if (ch in CLOSING) {
      open.push({ ch, at: i });
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const last = open.pop();
      if (last === undefined) return { message: `'${ch}' closes nothing`, offset: i };
      if (CLOSING[last.ch] !== ch)
        return {
          message: `'${ch}' does not close the '${last.ch}' opened at column ${last.at + 1}`,
          offset: i,
        };
    }
  }
  const unclosed = open[open.length - 1];
  return unclosed === undefined
    ? undefined
    : {
        message: `'${unclosed.ch}' is never closed (expected '${CLOSING[unclosed.ch]}')`,
        offset: unclosed.at,
      };
}

function bracketDepthExceeded(text: string): number | undefined {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      if (ch === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = '';
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += quote.length - 1;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      if (++depth > LIMITS.nestingDepth) return i;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
    }
  }
  return undefined;
}
