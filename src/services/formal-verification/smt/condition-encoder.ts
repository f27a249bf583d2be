/**
 * Translates a checked condition into SMT terms that follow the compiled engine exactly,
 * errors included. Every sub-expression becomes a pair: its value `v` (meaningful only when it
 * did not fail) and `e`, a Bool that is true exactly when evaluating it fails (absent attribute
 * or key, int64 overflow, division by zero, index out of range). `&&`, `||`, `all` and `exists`
 * absorb errors the way CEL does; every other operator propagates them
 * (docs/policy-language.md §3, docs/verification.md "Encoding").
 *
 * Which conditions are encoded is decided in one place, the subset analysis of the policy
 * language (src/policy/cel-subset-analyzer.ts, docs/policy-language.md §6), which `acgs policy
 * check` reports too: a condition it refuses throws `OutsideSubset`, naming the construct and the
 * sub-expression, and is reported as unverifiable, never silently dropped. The refusals inside
 * the translation below only guard against a bug in that analysis.
 */
import type { CelNode, ComprehensionNode } from '../../../policy/cel-ast.js';
import {
  type ArithmeticOverload,
  assertNever,
  type CollectionOverload,
  type ComparisonOverload,
  type ConversionOverload,
  isOverloadOf,
  type LogicOverload,
  type StringOverload,
  type TimeOverload,
} from '../../../policy/cel-overloads.js';
import { printCel } from '../../../policy/cel-printer.js';
import { parseTimestamp } from '../../../policy/cel-runtime.js';
import { analyzeSubset, comprehensionMacro, verifiability } from '../../../policy/cel-subset-analyzer.js';
import type { CheckedCondition } from '../../../policy/cel-type-checker.js';
import type { CelType } from '../../../policy/cel-types.js';
import { MAX_REQUEST_COLLECTION } from '../../../policy/request-validator.js';
import { FLOAT, isScalar, RequestSchema, type ScalarKind, sortOf } from './request-schema.js';
import { app, doubleLit, intLit, ite, stringLit } from './smt-text.js';
import { ENDS_WITH, STARTS_WITH } from './string-affixes.js';

/** A condition uses a construct the verifier does not model. */
export class OutsideSubset extends Error {
  constructor(
    readonly construct: string,
    readonly expression: string,
  ) {
    super(`${construct}: ${expression}`);
  }
}

/** Value and failure of a scalar (or bool) sub-expression. */
interface Scalar {
  readonly kind: 'scalar';
  readonly type: ScalarKind;
  readonly v: string;
  readonly e: string;
  /** A string modelled as an integer code (see usage-analysis.ts): `v` is an Int. */
  readonly coded?: boolean;
  /** For a string literal: its integer code, to compare with coded strings. */
  readonly code?: string;
}
/** A namespace or attribute group (only selected from). */
interface RecordVal {
  readonly kind: 'record';
  readonly path: string;
  readonly e: string;
}
/** A list attribute (length and slots) or a list literal (its items). */
interface ListVal {
  readonly kind: 'list';
  readonly elem: CelType;
  readonly path?: string;
  readonly items?: readonly Scalar[];
  readonly e: string;
}
interface MapVal {
  readonly kind: 'map';
  readonly value: CelType;
  readonly path: string;
  readonly e: string;
}
type Enc = Scalar | RecordVal | ListVal | MapVal;
type CallNode = Extract<CelNode, { kind: 'call' }>;

/** What the per-family encoders share with the node encoder of one condition. */
interface Encoding {
  readonly checked: CheckedCondition;
  readonly schema: RequestSchema;
  readonly sink: DefinitionSink;
  scalar(type: ScalarKind, v: string, e: string, coded?: boolean): Scalar;
  outside(node: CelNode, construct: string): never;
  enc(node: CelNode): Enc;
  encScalar(node: CelNode): Scalar;
  elements(node: CelNode, list: ListVal): { guard: string; item: Scalar }[];
  numericEq(a: Scalar, b: Scalar): string;
  toDouble(s: Scalar): string;
  inRange(t: string): string;
  compare(op: string, a: Scalar, b: Scalar): string;
  uncoded(...xs: Scalar[]): void;
  /** Inside an all/exists body (list attribute elements may not be read there). */
  inLoop(): boolean;
}

const INT_MIN = -9223372036854775808n;
const INT_MAX = 9223372036854775807n;
// ±2^63 as doubles: the bounds `int(double)` checks against (exclusive), as the runtime does.
const INT_MIN_D = doubleLit(Number(INT_MIN));
const INT_MAX_D = doubleLit(Number(INT_MAX));

/** Accumulates the definitions of one encoding session, so shared sub-terms are written once. */
export class DefinitionSink {
  readonly lines: string[] = [];
  private next = 0;
  constructor(private readonly prefix: string) {}

  /** A name for `term` (or the term itself when it is already atomic). */
  define(sort: string, term: string): string {
    if (!term.startsWith('(')) return term;
    const name = `|d:${this.prefix}:${this.next++}|`;
    this.lines.push(`(define-fun ${name} () ${sort} ${term})`);
    return name;
  }
}

export interface EncodedCondition {
  /** The condition evaluated to `true` without failing. */
  readonly holds: string;
  /** The condition failed to evaluate. */
  readonly fails: string;
}

/**
 * Encodes one checked condition over the request variables of `schema`.
 * Throws `OutsideSubset` for a construct outside the verifiable subset.
 */
export function encodeCondition(
  checked: CheckedCondition,
  schema: RequestSchema,
  sink: DefinitionSink,
): EncodedCondition {
  const subset = analyzeSubset(checked);
  const first = subset.outside[0];
  if (first !== undefined) throw new OutsideSubset(first.construct, first.expression);
  return translateCondition(checked, schema, sink);
}

/**
 * The translation alone, without asking the subset analysis first (use `encodeCondition`): the
 * agreement test compares its own refusals with the analysis.
 */
export function translateCondition(
  checked: CheckedCondition,
  schema: RequestSchema,
  sink: DefinitionSink,
): EncodedCondition {
  const typeOf = (node: CelNode): CelType => checked.types.get(node.id)!;
  const outside = (node: CelNode, construct: string): never => {
    throw new OutsideSubset(construct, printCel(node));
  };
  const scopes: Map<string, Scalar>[] = [];
  let loopDepth = 0;

  const scalar = (type: ScalarKind, v: string, e: string, coded = false): Scalar => ({
    kind: 'scalar',
    type,
    v: sink.define(coded ? 'Int' : sortOf(type), v),
    e: sink.define('Bool', e),
    ...(coded ? { coded } : {}),
  });
  const asScalar = (node: CelNode, enc: Enc): Scalar =>
    enc.kind === 'scalar' ? enc : outside(node, `${enc.kind} value used as a scalar`);
  const enc = (node: CelNode): Enc => encodeNode(node);
  const encScalar = (node: CelNode): Scalar => asScalar(node, enc(node));

  const encodeNode = (node: CelNode): Enc => {
    switch (node.kind) {
      case 'literal':
        switch (node.type) {
          case 'int':
            return scalar('int', intLit(node.value as bigint), 'false');
          case 'double':
            return scalar('double', doubleLit(node.value as number), 'false');
          case 'string':
            return {
              ...scalar('string', stringLit(node.value as string), 'false'),
              code: `${schema.literalCode(node.value as string)}`,
            };
          case 'bool':
            return scalar('bool', node.value ? 'true' : 'false', 'false');
          default:
            return outside(node, `${node.type} literal`);
        }
      case 'ident': {
        for (let i = scopes.length - 1; i >= 0; i--) {
          const local = scopes[i]!.get(node.name);
          if (local !== undefined) return local;
        }
        if (RequestSchema.isNamespace(node.name)) return { kind: 'record', path: node.name, e: 'false' };
        return outside(node, 'unknown identifier');
      }
      case 'select':
        return encodeSelect(node);
      case 'list': {
        const items = node.elements.map(encScalar);
        const elem = (typeOf(node) as { elem: CelType }).elem;
        return { kind: 'list', elem, items, e: sink.define('Bool', app('or', ...items.map((i) => i.e))) };
      }
      case 'map':
        return outside(node, 'map literal');
      case 'comprehension':
        return encodeComprehension(node);
      case 'call':
        return encodeCall(node);
    }
  };

  const encodeSelect = (node: Extract<CelNode, { kind: 'select' }>): Enc => {
    const operand = enc(node.operand);
    const t = typeOf(node);
    if (operand.kind === 'map') {
      if (!isScalar(operand.value)) return outside(node, 'map of collections');
      const present = schema.keyPresent(operand.path, node.field);
      if (node.testOnly) return scalar('bool', present, operand.e);
      return scalar(
        operand.value.kind,
        schema.keyValue(operand.path, node.field),
        app('or', operand.e, app('not', present)),
        operand.value.kind === 'string' && schema.isCoded(`${operand.path}{}`),
      );
    }
    if (operand.kind !== 'record') return outside(node, 'field selection on a non-record');
    const path = `${operand.path}.${node.field}`;
    const present = schema.present(path);
    if (node.testOnly) return scalar('bool', present, operand.e);
    const e = sink.define('Bool', app('or', operand.e, app('not', present)));
    if (t.kind === 'record') return { kind: 'record', path, e };
    if (t.kind === 'list') {
      if (!isScalar(t.elem)) return outside(node, 'list of collections');
      return { kind: 'list', elem: t.elem, path, e };
    }
    if (t.kind === 'map') return { kind: 'map', value: t.value, path, e };
    if (!isScalar(t)) return outside(node, `attribute of type ${t.kind}`);
    return scalar(t.kind, schema.value(path), e, t.kind === 'string' && schema.isCoded(path));
  };

  /** Element terms of a list with their guards (slot j exists when j < length). */
  const elements = (node: CelNode, list: ListVal): { guard: string; item: Scalar }[] => {
    if (list.items !== undefined) return list.items.map((item) => ({ guard: 'true', item }));
    if (loopDepth > 0) outside(node, 'list attribute elements read inside a loop body');
    const type = list.elem.kind as ScalarKind;
    const n = schema.length(list.path!);
    const coded = type === 'string' && schema.isCoded(`${list.path}[]`);
    const out: { guard: string; item: Scalar }[] = [];
    for (let j = 0; j < schema.slotCount(list.path!); j++) {
      const item: Scalar = {
        kind: 'scalar',
        type,
        v: schema.slot(list.path!, j),
        e: 'false',
        ...(coded ? { coded } : {}),
      };
      out.push({ guard: `(< ${j} ${n})`, item });
    }
    return out;
  };

  const encodeComprehension = (node: ComprehensionNode): Enc => {
    const macro = comprehensionMacro(node);
    if (macro === undefined) return outside(node, 'comprehension macro other than all/exists');
    const range = enc(node.range);
    if (range.kind !== 'list') return outside(node, 'all/exists over a map');
    const items = elements(node, range);
    const body = (node.step as Extract<CelNode, { kind: 'call' }>).args[1]!;
    const hits: string[] = [];
    const errs: string[] = [];
    loopDepth++;
    for (const { guard, item } of items) {
      scopes.push(new Map([[node.iterVar, item]]));
      const p = asScalar(body, enc(body));
      scopes.pop();
      // exists looks for a true element, all for a false one; an error counts unless one is found.
      const decisive =
        macro === 'exists' ? app('and', app('not', p.e), p.v) : app('and', app('not', p.e), app('not', p.v));
      hits.push(app('and', guard, decisive));
      errs.push(app('and', guard, p.e));
    }
    loopDepth--;
    const found = sink.define('Bool', app('or', ...hits));
    const e = app('or', range.e, app('and', app('not', found), app('or', ...errs)));
    return scalar('bool', macro === 'exists' ? found : app('not', found), e);
  };

  const encodeCall = (node: CallNode): Enc => dispatchCall(h, node);

  const h: Encoding = {
    checked,
    schema,
    sink,
    scalar,
    outside,
    enc,
    encScalar,
    elements,
    numericEq,
    toDouble,
    inRange,
    compare: compareTerm,
    uncoded,
    inLoop: () => loopDepth > 0,
  };

  const result = encScalar(checked.ast);
  return {
    holds: sink.define('Bool', app('and', app('not', result.e), result.v)),
    fails: result.e,
  };
}

const FP_COMPARE: Record<string, string> = { lt: 'lt', le: 'leq', gt: 'gt', ge: 'geq' };
const INT_COMPARE: Record<string, string> = { lt: '<', le: '<=', gt: '>', ge: '>=' };

function defaultOf(kind: ScalarKind): string {
  switch (kind) {
    case 'string':
      return '""';
    case 'bool':
      return 'false';
    case 'double':
      return doubleLit(0);
    default:
      return '0';
  }
}

export { FLOAT };

function compareTerm(op: string, a: Scalar, b: Scalar): string {
  switch (a.type) {
    case 'double':
      return `(fp.${FP_COMPARE[op]} ${a.v} ${b.v})`;
    case 'string':
      return op === 'lt'
        ? `(str.< ${a.v} ${b.v})`
        : op === 'le'
          ? `(str.<= ${a.v} ${b.v})`
          : op === 'gt'
            ? `(str.< ${b.v} ${a.v})`
            : `(str.<= ${b.v} ${a.v})`;
    case 'bool':
      return op === 'lt'
        ? `(and (not ${a.v}) ${b.v})`
        : op === 'le'
          ? `(or (not ${a.v}) ${b.v})`
          : op === 'gt'
            ? `(and ${a.v} (not ${b.v}))`
            : `(or ${a.v} (not ${b.v}))`;
    default:
      return `(${INT_COMPARE[op]} ${a.v} ${b.v})`;
  }
}

/** The logic family's overloads. */
function encodeLogic(h: Encoding, node: CallNode, overload: LogicOverload): Enc {
  const { sink, scalar, outside, encScalar, uncoded } = h;
  const { operands, one, two } = callOperands(h, node);
  switch (overload) {
    case 'and':
    case 'or': {
      const [a, b] = two();
      const decisiveValue = overload === 'and' ? 'false' : 'true';
      const decisive = (s: Scalar) => app('and', app('not', s.e), overload === 'and' ? app('not', s.v) : s.v);
      const da = sink.define('Bool', decisive(a));
      const db = sink.define('Bool', decisive(b));
      const settled = app('or', da, db);
      return scalar(
        'bool',
        decisiveValue === 'false' ? app('not', settled) : settled,
        app('and', app('not', settled), app('or', a.e, b.e)),
      );
    }
    case 'not': {
      const a = one();
      return scalar('bool', app('not', a.v), a.e);
    }
    case 'cond': {
      const c = encScalar(operands[0]!);
      const a = encScalar(operands[1]!);
      const b = encScalar(operands[2]!);
      if (a.type !== b.type) return outside(node, 'ternary with branches of different types');
      uncoded(a, b);
      return scalar(a.type, ite(c.v, a.v, b.v), app('or', c.e, ite(c.v, a.e, b.e)));
    }
    case 'not_strictly_false':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The comparison family's overloads. */
function encodeComparison(h: Encoding, node: CallNode, overload: ComparisonOverload): Enc {
  const { scalar, numericEq, toDouble, compare } = h;
  const { two, strict } = callOperands(h, node);
  switch (overload) {
    case 'eq_strict':
    case 'ne_strict':
    case 'eq_loose':
    case 'ne_loose': {
      const [a, b] = two();
      const eq = numericEq(a, b);
      return scalar('bool', overload.startsWith('eq') ? eq : app('not', eq), app('or', a.e, b.e));
    }
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
      return strict('bool', (a, b) => compare(overload, a, b));
    case 'lt_int_double':
    case 'le_int_double':
    case 'gt_int_double':
    case 'ge_int_double':
    case 'lt_double_int':
    case 'le_double_int':
    case 'gt_double_int':
    case 'ge_double_int':
      return strict(
        'bool',
        (a, b) => `(fp.${FP_COMPARE[overload.slice(0, 2)]} ${toDouble(a)} ${toDouble(b)})`,
      );
    case 'eq_generic':
    case 'ne_generic':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The arithmetic family's overloads. */
function encodeArithmetic(h: Encoding, node: CallNode, overload: ArithmeticOverload): Enc {
  const { sink, scalar, inRange } = h;
  const { one, two, strict } = callOperands(h, node);
  switch (overload) {
    case 'add_int':
    case 'sub_int':
    case 'mul_int': {
      const op = overload === 'add_int' ? '+' : overload === 'sub_int' ? '-' : '*';
      const [a, b] = two();
      const r = sink.define('Int', `(${op} ${a.v} ${b.v})`);
      return scalar('int', r, app('or', a.e, b.e, app('not', inRange(r))));
    }
    case 'div_int':
    case 'mod_int': {
      const [a, b] = two();
      const q = sink.define('Int', `(ite (>= ${a.v} 0) (div ${a.v} ${b.v}) (- (div (- ${a.v}) ${b.v})))`);
      const zero = `(= ${b.v} 0)`;
      if (overload === 'mod_int')
        return scalar('int', `(- ${a.v} (* ${b.v} ${q}))`, app('or', a.e, b.e, zero));
      return scalar('int', q, app('or', a.e, b.e, zero, app('not', inRange(q))));
    }
    case 'neg_int': {
      const a = one();
      return scalar('int', `(- ${a.v})`, app('or', a.e, `(= ${a.v} ${intLit(INT_MIN)})`));
    }
    case 'add_double':
    case 'sub_double':
    case 'mul_double':
    case 'div_double':
      return strict('double', (a, b) => `(fp.${overload.slice(0, 3)} RNE ${a.v} ${b.v})`);
    case 'neg_double': {
      const a = one();
      return scalar('double', `(fp.neg ${a.v})`, a.e);
    }
    // Durations have no encoding: arithmetic on time is outside the subset.
    case 'add_timestamp_duration':
    case 'add_duration':
    case 'sub_timestamp_duration':
    case 'sub_timestamps':
    case 'sub_duration':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The strings family's overloads. */
function encodeStrings(h: Encoding, node: CallNode, overload: StringOverload): Enc {
  const { strict } = callOperands(h, node);
  switch (overload) {
    case 'add_string':
      return strict('string', (a, b) => `(str.++ ${a.v} ${b.v})`);
    case 'contains':
      return strict('bool', (a, b) => `(str.contains ${a.v} ${b.v})`);
    // Two exact definitions, tried in turn by the session (string-affixes.ts).
    case 'startsWith':
      return strict('bool', (a, b) => `(${STARTS_WITH} ${a.v} ${b.v})`);
    case 'endsWith':
      return strict('bool', (a, b) => `(${ENDS_WITH} ${a.v} ${b.v})`);
    case 'matches':
      return unsupported(h, node, overload);
    case 'size_string':
    case 'charAt':
    case 'indexOf':
    case 'join':
    case 'lastIndexOf':
    case 'lowerAscii':
    case 'replace':
    case 'split':
    case 'substring':
    case 'trim':
    case 'upperAscii':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The collections family's overloads. */
function encodeCollections(h: Encoding, node: CallNode, overload: CollectionOverload): Enc {
  const { schema, scalar, outside, enc, encScalar, elements, numericEq } = h;
  const operands = operandsOf(node);
  switch (overload) {
    case 'in_list_strict':
    case 'in_list_generic': {
      const x = encScalar(operands[0]!);
      const list = enc(operands[1]!);
      if (list.kind !== 'list') return outside(node, '`in` on a non-list');
      const hits = elements(node, list).map(({ guard, item }) => app('and', guard, numericEq(x, item)));
      return scalar('bool', app('or', ...hits), app('or', x.e, list.e));
    }
    case 'in_map': {
      const key = operands[0]!;
      const map = enc(operands[1]!);
      if (map.kind !== 'map') return outside(node, '`in` on a non-map');
      if (key.kind !== 'literal' || typeof key.value !== 'string')
        return outside(node, '`in` on a map with a non-literal key');
      return scalar('bool', schema.keyPresent(map.path, key.value), map.e);
    }
    case 'index_list': {
      const list = enc(operands[0]!);
      const index = operands[1]!;
      if (list.kind !== 'list') return outside(node, 'index on a non-list');
      if (index.kind !== 'literal' || typeof index.value !== 'bigint')
        return outside(node, 'list index that is not a literal');
      const i = index.value;
      if (!isScalar(list.elem)) return outside(node, 'index into a list of collections');
      if (list.items !== undefined) {
        const item = i >= 0n && i < BigInt(list.items.length) ? list.items[Number(i)]! : undefined;
        if (item === undefined) return scalar(list.elem.kind, defaultOf(list.elem.kind), 'true');
        return scalar(item.type, item.v, list.e);
      }
      if (h.inLoop()) return outside(node, 'list attribute elements read inside a loop body');
      // No request list has more than MAX_REQUEST_COLLECTION elements; below that, usage gave a slot.
      if (i < 0n || i >= BigInt(MAX_REQUEST_COLLECTION))
        return scalar(list.elem.kind, defaultOf(list.elem.kind), 'true');
      return scalar(
        list.elem.kind,
        schema.slot(list.path!, Number(i)),
        app('or', list.e, `(<= ${schema.length(list.path!)} ${i})`),
        list.elem.kind === 'string' && schema.isCoded(`${list.path}[]`),
      );
    }
    case 'index_map': {
      const map = enc(operands[0]!);
      const key = operands[1]!;
      if (map.kind !== 'map') return outside(node, 'index on a non-map');
      if (key.kind !== 'literal' || typeof key.value !== 'string')
        return outside(node, 'map index that is not a literal');
      if (!isScalar(map.value)) return outside(node, 'map of collections');
      const present = schema.keyPresent(map.path, key.value);
      return scalar(
        map.value.kind,
        schema.keyValue(map.path, key.value),
        app('or', map.e, app('not', present)),
        map.value.kind === 'string' && schema.isCoded(`${map.path}{}`),
      );
    }
    case 'size_list': {
      const list = enc(operands[0]!);
      if (list.kind !== 'list') return outside(node, 'size of a non-list');
      if (list.items !== undefined) return scalar('int', `${list.items.length}`, list.e);
      return scalar('int', schema.length(list.path!), list.e);
    }
    case 'add_list':
    case 'size_map':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The conversions family's overloads. */
function encodeConversions(h: Encoding, node: CallNode, overload: ConversionOverload): Enc {
  const { scalar, enc, toDouble } = h;
  const { operands, one } = callOperands(h, node);
  switch (overload) {
    case 'identity':
      return enc(operands[0]!);
    case 'double_int': {
      const a = one();
      return scalar('double', toDouble(a), a.e);
    }
    case 'int_double': {
      const a = one();
      const r = `(fp.to_real ${a.v})`;
      const ok = `(and (fp.gt ${a.v} ${INT_MIN_D}) (fp.lt ${a.v} ${INT_MAX_D}))`;
      return scalar(
        'int',
        `(ite (>= ${r} 0.0) (to_int ${r}) (- (to_int (- ${r}))))`,
        app('or', a.e, app('not', ok)),
      );
    }
    case 'string_bool': {
      const a = one();
      return scalar('string', `(ite ${a.v} "true" "false")`, a.e);
    }
    case 'string_int': {
      const a = one();
      return scalar(
        'string',
        `(ite (>= ${a.v} 0) (str.from_int ${a.v}) (str.++ "-" (str.from_int (- ${a.v}))))`,
        a.e,
      );
    }
    case 'string_network':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

/** The time family's overloads. */
function encodeTime(h: Encoding, node: CallNode, overload: TimeOverload): Enc {
  const { scalar, outside } = h;
  const operands = operandsOf(node);
  switch (overload) {
    case 'timestamp_string': {
      const arg = operands[0]!;
      const ns =
        arg.kind === 'literal' && typeof arg.value === 'string' ? parseTimestamp(arg.value) : undefined;
      if (ns === undefined) return outside(node, 'timestamp() of a non-literal');
      return scalar('timestamp', intLit(ns), 'false');
    }
    case 'timestamp_field':
    case 'duration_string':
    case 'duration_field':
      return unsupported(h, node, overload);
    default:
      return assertNever(overload);
  }
}

function operandsOf(node: CallNode): readonly CelNode[] {
  return node.target === undefined ? node.args : [node.target, ...node.args];
}

/** A two-operand operation that propagates its operands' errors (plus its own, if any). */
function strictOp(
  h: Encoding,
  [a, b]: readonly [Scalar, Scalar],
  type: ScalarKind,
  v: (a: Scalar, b: Scalar) => string,
  extraError?: (a: Scalar, b: Scalar) => string,
): Scalar {
  h.uncoded(a, b);
  const extra = extraError === undefined ? 'false' : extraError(a, b);
  return h.scalar(type, v(a, b), app('or', a.e, b.e, extra));
}

/** What a family's encoder reads of a call: its operands, the first one or two as scalars, and strict binary operators (an error in either operand is the result's error). */
function callOperands(h: Encoding, node: CallNode) {
  const operands = operandsOf(node);
  const one = () => h.encScalar(operands[0]!);
  const two = () => [h.encScalar(operands[0]!), h.encScalar(operands[1]!)] as const;
  const strict = (
    type: ScalarKind,
    v: (a: Scalar, b: Scalar) => string,
    extraError?: (a: Scalar, b: Scalar) => string,
  ) => strictOp(h, two(), type, v, extraError);
  return { operands, one, two, strict };
}

/** An overload the verifier does not model. */
function unsupported(h: Encoding, node: CallNode, overload: string): never {
  return h.outside(node, `'${overload}' is outside the verifiable subset`);
}

/** Equality of two scalars as the engine decides it (exact for int vs double, codes for coded strings). */
function numericEq(a: Scalar, b: Scalar): string {
  if (a.coded || b.coded) {
    const x = a.coded ? a.v : a.code;
    const y = b.coded ? b.v : b.code;
    if (x === undefined || y === undefined) throw new Error('a coded string compared with an uncoded one');
    return `(= ${x} ${y})`;
  }
  if (a.type === 'double' && b.type === 'double') return `(fp.eq ${a.v} ${b.v})`;
  if (a.type === 'double' || b.type === 'double') {
    const [d, i] = a.type === 'double' ? [a, b] : [b, a];
    return `(and (not (fp.isNaN ${d.v})) (not (fp.isInfinite ${d.v})) (= (fp.to_real ${d.v}) (to_real ${i.v})))`;
  }
  return `(= ${a.v} ${b.v})`;
}
function toDouble(s: Scalar): string {
  return s.type === 'double' ? s.v : `((_ to_fp 11 53) RNE (to_real ${s.v}))`;
}
function inRange(t: string): string {
  return `(and (<= ${intLit(INT_MIN)} ${t}) (<= ${t} ${intLit(INT_MAX)}))`;
}

/** Coded strings only meet equality; reaching any other string operation is a verifier bug. */
function uncoded(...xs: Scalar[]): void {
  if (xs.some((x) => x.coded)) throw new Error('a string modelled as a code reached a string operation');
}

/** Encodes a call by its overload's family. */
function dispatchCall(h: Encoding, node: CallNode): Enc {
  const { checked, outside } = h;
  const overload = checked.overloads.get(node.id);
  if (overload === undefined) return outside(node, `call '${node.fn}' without an overload`);
  if (verifiability(overload) === 'outside') return unsupported(h, node, overload);
  if (isOverloadOf(overload, 'logic')) return encodeLogic(h, node, overload);
  if (isOverloadOf(overload, 'comparison')) return encodeComparison(h, node, overload);
  if (isOverloadOf(overload, 'arithmetic')) return encodeArithmetic(h, node, overload);
  if (isOverloadOf(overload, 'strings')) return encodeStrings(h, node, overload);
  if (isOverloadOf(overload, 'collections')) return encodeCollections(h, node, overload);
  if (isOverloadOf(overload, 'conversions')) return encodeConversions(h, node, overload);
  if (isOverloadOf(overload, 'time')) return encodeTime(h, node, overload);
  return unsupported(h, node, overload);
}
