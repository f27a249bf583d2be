/**
 * Resolves a call node to one overload of `cel-overloads.ts`, by family: the checker of each
 * family switches over that family's functions, and the compiler refuses a family checker that
 * forgets one. (@bufbuild/cel 0.6 ships only a stub checker, so the rules follow the CEL
 * specification and the overloads registered by its interpreter.)
 */
import { RE2JS } from '@bufbuild/re2';
import type { CallNode, CelNode, ConditionDiagnostic } from './cel-ast.js';
import { parseCidr, parseIp, parseUrl } from './cel-network.js';
import {
  assertNever,
  CEL_FUNCTIONS,
  type CelFunctionName,
  type FunctionOf,
  isCelFunction,
  type OverloadId,
} from './cel-overloads.js';
import {
  DURATION_FIELDS,
  isTimeZone,
  parseDuration,
  parseTimestamp,
  TIMESTAMP_FIELDS,
} from './cel-runtime.js';
import { type CelType, formatType, isNumeric, T, unify } from './cel-types.js';
import { LIMITS } from './policy-limits.js';

/** What a family checker needs from the checker of the whole condition. */
export interface CallCheckContext {
  /** Checks a sub-expression and records its type. */
  check(node: CelNode): CelType;
  fail(node: CelNode, message: string, code?: ConditionDiagnostic['code']): never;
}

/** The overload a call resolves to and the type of its result. */
export interface Resolution {
  readonly overload: OverloadId;
  readonly type: CelType;
}

const COMPARABLE = new Set(['int', 'double', 'string', 'bool', 'timestamp', 'duration']);

/** Type-checks a call (its operands first, left to right) and picks its overload. */
export function checkCall(node: CallNode, c: CallCheckContext): Resolution {
  if (node.target !== undefined) return checkMethodCall(node, node.target, c);
  const args = node.args.map((arg) => c.check(arg));
  const fn = node.fn;
  if (!isCelFunction(fn)) return unknownFunction(node, c);
  const family = CEL_FUNCTIONS[fn].family;
  switch (family) {
    case 'logic':
      return checkLogic(node, fn as FunctionOf<'logic'>, args, c);
    case 'comparison':
      return checkComparison(node, fn as FunctionOf<'comparison'>, args, c);
    case 'arithmetic':
      return checkArithmetic(node, fn as FunctionOf<'arithmetic'>, args, c);
    case 'strings':
      // The string functions are methods only (`s.contains(t)`).
      return unknownFunction(node, c);
    case 'collections':
      return checkCollections(node, fn as FunctionOf<'collections'>, args, c);
    case 'conversions':
      return checkConversion(node, fn as FunctionOf<'conversions'>, args, c);
    case 'network':
      return checkNetworkFunction(node, fn as FunctionOf<'network'>, args, c);
    case 'time':
      if (fn === 'timestamp') return checkTime(node, c);
      if (fn === 'duration') return checkDuration(node, args, c);
      // The accessors are methods only (`t.getHours()`).
      return unknownFunction(node, c);
    default:
      return assertNever(family, 'family');
  }
}

const resolved = (overload: OverloadId, type: CelType): Resolution => ({ overload, type });

/** The strings extension's methods: the receiver and argument kinds of each arity, and the result. */
const STRING_EXTENSIONS: Readonly<
  Record<
    string,
    {
      readonly receiver: 'string' | 'list<string>';
      readonly arities: readonly (readonly ('string' | 'int')[])[];
      readonly result: CelType;
    }
  >
> = {
  charAt: { receiver: 'string', arities: [['int']], result: T.string },
  indexOf: { receiver: 'string', arities: [['string'], ['string', 'int']], result: T.int },
  lastIndexOf: { receiver: 'string', arities: [['string'], ['string', 'int']], result: T.int },
  lowerAscii: { receiver: 'string', arities: [[]], result: T.string },
  upperAscii: { receiver: 'string', arities: [[]], result: T.string },
  replace: {
    receiver: 'string',
    arities: [
      ['string', 'string'],
      ['string', 'string', 'int'],
    ],
    result: T.string,
  },
  split: { receiver: 'string', arities: [['string'], ['string', 'int']], result: T.list(T.string) },
  substring: { receiver: 'string', arities: [['int'], ['int', 'int']], result: T.string },
  trim: { receiver: 'string', arities: [[]], result: T.string },
  join: { receiver: 'list<string>', arities: [[], ['string']], result: T.string },
};

function checkStringExtension(fn: string, target: CelType, args: readonly CelType[]): Resolution | undefined {
  const spec = STRING_EXTENSIONS[fn];
  if (spec === undefined) return undefined;
  const receiverOk =
    spec.receiver === 'string'
      ? target.kind === 'string'
      : target.kind === 'list' && (target.elem.kind === 'string' || target.elem.kind === 'any');
  if (!receiverOk) return undefined;
  const fits = spec.arities.some(
    (kinds) => kinds.length === args.length && kinds.every((k, i) => args[i]!.kind === k),
  );
  return fits ? resolved(fn as OverloadId, spec.result) : undefined;
}

/** Operators as they are written, for messages (`_==_` is `==`). */
const OPERATOR_TEXT: Readonly<Record<string, string>> = {
  '_==_': '==',
  '_!=_': '!=',
  '_<_': '<',
  '_<=_': '<=',
  '_>_': '>',
  '_>=_': '>=',
  '_+_': '+',
  '_-_': '-',
  '_*_': '*',
  '_/_': '/',
  '_%_': '%',
  '@in': 'in',
};

function noOverload(node: CelNode, fn: string, args: readonly CelType[], c: CallCheckContext): never {
  const types = args.map(formatType);
  const operator = OPERATOR_TEXT[fn];
  // Say it as the condition says it; keep the overload's name for those who know CEL's.
  const plain =
    operator !== undefined && types.length === 2
      ? `'${operator}' cannot be applied to ${types[0]} and ${types[1]}${hint(types[0]!, types[1]!)}: `
      : '';
  return c.fail(node, `${plain}no matching overload for '${fn}' applied to (${types.join(', ')})`);
}

/** What usually fixes a mixed-type comparison. */
function hint(left: string, right: string): string {
  const pair = new Set([left, right]);
  if (pair.has('string') && (pair.has('int') || pair.has('double')))
    return ' (quote the number, or compare with a number attribute)';
  if (pair.has('int') && pair.has('double')) return ' (write the int as a double, e.g. 10.0)';
  return '';
}

function unknownFunction(node: CallNode, c: CallCheckContext): never {
  return c.fail(node, `unknown or unsupported function '${node.fn.replace(/^_|_$/g, '')}'`);
}

/** `target.fn(args)`: the string methods and `size()`. */
function checkMethodCall(node: CallNode, targetNode: CelNode, c: CallCheckContext): Resolution {
  const target = c.check(targetNode);
  const args = node.args.map((arg) => c.check(arg));
  const fn = node.fn as CelFunctionName;
  switch (fn) {
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      if (target.kind === 'string' && args.length === 1 && args[0]!.kind === 'string') {
        if (fn === 'matches') checkPattern(node.args[0]!, c);
        return resolved(fn, T.bool);
      }
      break;
    case 'size':
      if (args.length === 0) return resolved(sizeOverload(node, target, c), T.int);
      break;
    default: {
      const extension = checkStringExtension(fn, target, args);
      if (extension !== undefined) return extension;
      if (
        target.kind === 'timestamp' &&
        TIMESTAMP_FIELDS.has(fn) &&
        (args.length === 0 || (args.length === 1 && args[0]!.kind === 'string'))
      ) {
        const zone = node.args[0];
        if (zone?.kind === 'literal' && typeof zone.value === 'string' && !isTimeZone(zone.value))
          return c.fail(
            zone,
            `'${zone.value}' is not a time zone (an IANA name such as 'Europe/Paris', or ±HH:MM)`,
          );
        return resolved('timestamp_field', T.int);
      }
      if (target.kind === 'duration' && DURATION_FIELDS.has(fn) && args.length === 0)
        return resolved('duration_field', T.int);
      const network = checkNetworkMethod(node, target, args, c);
      if (network !== undefined) return network;
    }
  }
  return noOverload(node, `${formatType(target)}.${node.fn}`, args, c);
}

function checkLogic(
  node: CallNode,
  fn: FunctionOf<'logic'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  const [a, b] = args;
  switch (fn) {
    case '_&&_':
    case '_||_':
      if (a?.kind !== 'bool' || b?.kind !== 'bool') return noOverload(node, fn, args, c);
      return resolved(fn === '_&&_' ? 'and' : 'or', T.bool);
    case '!_':
      if (a?.kind !== 'bool') return noOverload(node, fn, args, c);
      return resolved('not', T.bool);
    case '@not_strictly_false':
      return resolved('not_strictly_false', T.bool);
    case '_?_:_': {
      if (a?.kind !== 'bool') return c.fail(node, `ternary condition must be bool, got ${formatType(a!)}`);
      const u = unify(b!, args[2]!);
      if (u === undefined) return noOverload(node, fn, args, c);
      return resolved('cond', u);
    }
    default:
      return assertNever(fn, 'function');
  }
}

function checkComparison(
  node: CallNode,
  fn: FunctionOf<'comparison'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  const a = args[0]!;
  const b = args[1]!;
  switch (fn) {
    case '_==_':
    case '_!=_': {
      const eq = fn === '_==_';
      if (a.kind === 'null' || b.kind === 'null') return resolved(eq ? 'eq_generic' : 'ne_generic', T.bool);
      if (isNumeric(a) && isNumeric(b) && a.kind !== b.kind)
        return resolved(eq ? 'eq_loose' : 'ne_loose', T.bool);
      if (unify(a, b) === undefined || a.kind === 'record') return noOverload(node, fn, args, c);
      const scalar = COMPARABLE.has(a.kind) || COMPARABLE.has(b.kind);
      if (eq) return resolved(scalar ? 'eq_strict' : 'eq_generic', T.bool);
      return resolved(scalar ? 'ne_strict' : 'ne_generic', T.bool);
    }
    case '_<_':
      return ordering(node, fn, args, ['lt', 'lt_int_double', 'lt_double_int'], c);
    case '_<=_':
      return ordering(node, fn, args, ['le', 'le_int_double', 'le_double_int'], c);
    case '_>_':
      return ordering(node, fn, args, ['gt', 'gt_int_double', 'gt_double_int'], c);
    case '_>=_':
      return ordering(node, fn, args, ['ge', 'ge_int_double', 'ge_double_int'], c);
    default:
      return assertNever(fn, 'function');
  }
}

/** `<`, `<=`, `>`, `>=`: the same type on both sides, or int against double either way. */
function ordering(
  node: CallNode,
  fn: string,
  args: readonly CelType[],
  [same, intDouble, doubleInt]: readonly [OverloadId, OverloadId, OverloadId],
  c: CallCheckContext,
): Resolution {
  const a = args[0]!;
  const b = args[1]!;
  if (a.kind === 'int' && b.kind === 'double') return resolved(intDouble, T.bool);
  if (a.kind === 'double' && b.kind === 'int') return resolved(doubleInt, T.bool);
  if (a.kind !== b.kind || !COMPARABLE.has(a.kind)) return noOverload(node, fn, args, c);
  return resolved(same, T.bool);
}

function checkArithmetic(
  node: CallNode,
  fn: FunctionOf<'arithmetic'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  const a = args[0]!;
  const b = args[1]!;
  const ints = a.kind === 'int' && b?.kind === 'int';
  const doubles = a.kind === 'double' && b?.kind === 'double';
  const time = checkTimeArithmetic(fn, a.kind, b?.kind);
  if (time !== undefined) return time;
  switch (fn) {
    case '_+_':
      if (ints) return resolved('add_int', T.int);
      if (doubles) return resolved('add_double', T.double);
      if (a.kind === 'string' && b!.kind === 'string') return resolved('add_string', T.string);
      if (a.kind === 'list' && b!.kind === 'list') {
        const u = unify(a, b!);
        if (u !== undefined) return resolved('add_list', u);
      }
      return noOverload(node, fn, args, c);
    case '_-_':
      if (ints) return resolved('sub_int', T.int);
      if (doubles) return resolved('sub_double', T.double);
      return noOverload(node, fn, args, c);
    case '_*_':
      if (ints) return resolved('mul_int', T.int);
      if (doubles) return resolved('mul_double', T.double);
      return noOverload(node, fn, args, c);
    case '_/_':
      if (ints) return resolved('div_int', T.int);
      if (doubles) return resolved('div_double', T.double);
      return noOverload(node, fn, args, c);
    case '_%_':
      if (ints) return resolved('mod_int', T.int);
      return noOverload(node, fn, args, c);
    case '-_':
      if (a?.kind === 'int') return resolved('neg_int', T.int);
      if (a?.kind === 'double') return resolved('neg_double', T.double);
      return noOverload(node, fn, args, c);
    default:
      return assertNever(fn, 'function');
  }
}

/** `+` and `-` on timestamps and durations. */
function checkTimeArithmetic(fn: string, a: string, b: string | undefined): Resolution | undefined {
  const pair = `${a} ${fn} ${b}`;
  switch (pair) {
    case 'timestamp _+_ duration':
    case 'duration _+_ timestamp':
      return resolved('add_timestamp_duration', T.timestamp);
    case 'duration _+_ duration':
      return resolved('add_duration', T.duration);
    case 'timestamp _-_ duration':
      return resolved('sub_timestamp_duration', T.timestamp);
    case 'timestamp _-_ timestamp':
      return resolved('sub_timestamps', T.duration);
    case 'duration _-_ duration':
      return resolved('sub_duration', T.duration);
    default:
      return undefined;
  }
}

function checkCollections(
  node: CallNode,
  fn: FunctionOf<'collections'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  const a = args[0]!;
  const b = args[1]!;
  switch (fn) {
    case '@in': {
      if (b.kind === 'list') {
        if (isNumeric(a) && isNumeric(b.elem) && a.kind !== b.elem.kind)
          return resolved('in_list_generic', T.bool);
        if (unify(a, b.elem) === undefined) return noOverload(node, 'in', args, c);
        const fast = a.kind === 'string' || a.kind === 'bool' || a.kind === 'int' || a.kind === 'timestamp';
        return resolved(fast ? 'in_list_strict' : 'in_list_generic', T.bool);
      }
      if (b.kind === 'map' && a.kind === 'string') return resolved('in_map', T.bool);
      return noOverload(node, 'in', args, c);
    }
    case '_[_]':
      if (a.kind === 'list' && b.kind === 'int') return resolved('index_list', a.elem);
      if (a.kind === 'map' && b.kind === 'string') return resolved('index_map', a.value);
      return noOverload(node, 'index', args, c);
    case 'size':
      if (args.length !== 1) return noOverload(node, fn, args, c);
      return resolved(sizeOverload(node, a, c), T.int);
    default:
      return assertNever(fn, 'function');
  }
}

function sizeOverload(node: CelNode, t: CelType, c: CallCheckContext): OverloadId {
  if (t.kind === 'string') return 'size_string';
  if (t.kind === 'list') return 'size_list';
  if (t.kind === 'map') return 'size_map';
  return noOverload(node, 'size', [t], c);
}

function checkConversion(
  node: CallNode,
  fn: FunctionOf<'conversions'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  const a = args.length === 1 ? args[0]! : undefined;
  switch (fn) {
    case 'int':
      if (a?.kind === 'int') return resolved('identity', T.int);
      if (a?.kind === 'double') return resolved('int_double', T.int);
      return noOverload(node, fn, args, c);
    case 'double':
      if (a?.kind === 'double') return resolved('identity', T.double);
      if (a?.kind === 'int') return resolved('double_int', T.double);
      return noOverload(node, fn, args, c);
    case 'string':
      if (a?.kind === 'string') return resolved('identity', T.string);
      if (a?.kind === 'int') return resolved('string_int', T.string);
      if (a?.kind === 'bool') return resolved('string_bool', T.string);
      if (a?.kind === 'ip' || a?.kind === 'cidr') return resolved('string_network', T.string);
      return noOverload(node, fn, args, c);
    default:
      return assertNever(fn, 'function');
  }
}

/** `timestamp('…')`: only a literal, checked here, so evaluation never fails on it. */
function checkTime(node: CallNode, c: CallCheckContext): Resolution {
  const arg = node.args[0];
  if (node.args.length !== 1 || arg?.kind !== 'literal' || arg.type !== 'string') {
    return c.fail(node, 'timestamp() takes one string literal');
  }
  if (parseTimestamp(arg.value as string) === undefined) {
    return c.fail(arg, `'${String(arg.value)}' is not an RFC 3339 timestamp in 0001..9999`);
  }
  return resolved('timestamp_string', T.timestamp);
}

const NETWORK_PARSERS = { url: parseUrl, ip: parseIp, cidr: parseCidr } as const;

/**
 * `url(s)`, `ip(s)`, `cidr(s)` and `isURL`/`isIP`/`isCIDR(s)`: a literal argument of the first
 * three is parsed here (an invalid one is a type error at its position); another string is
 * parsed when evaluated, an evaluation error if invalid.
 */
function checkNetworkFunction(
  node: CallNode,
  fn: FunctionOf<'network'>,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution {
  if (args.length !== 1 || args[0]!.kind !== 'string') return noOverload(node, fn, args, c);
  switch (fn) {
    case 'url':
    case 'ip':
    case 'cidr': {
      const arg = node.args[0]!;
      if (arg.kind === 'literal') {
        const parsed = NETWORK_PARSERS[fn](arg.value as string);
        if (typeof parsed === 'string') return c.fail(arg, parsed);
      }
      return resolved(`${fn}_string`, T[fn]);
    }
    case 'isURL':
    case 'isIP':
    case 'isCIDR':
      return resolved('is_network_value', T.bool);
    default:
      // The other functions of the family are methods.
      return unknownFunction(node, c);
  }
}

const URL_FIELDS = new Set(['getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath']);
const IP_PREDICATES = new Set([
  'isUnspecified',
  'isLoopback',
  'isLinkLocalMulticast',
  'isLinkLocalUnicast',
  'isGlobalUnicast',
]);

/** The methods of Kubernetes' URL, IP and CIDR values. */
function checkNetworkMethod(
  node: CallNode,
  target: CelType,
  args: readonly CelType[],
  c: CallCheckContext,
): Resolution | undefined {
  const fn = node.fn;
  if (args.length === 0) {
    if (target.kind === 'url' && URL_FIELDS.has(fn)) return resolved('url_field', T.string);
    if (target.kind === 'url' && fn === 'getQuery')
      return resolved('url_query', T.map(T.string, T.list(T.string)));
    if (target.kind === 'ip' && fn === 'family') return resolved('ip_family', T.int);
    if (target.kind === 'ip' && IP_PREDICATES.has(fn)) return resolved('ip_predicate', T.bool);
    if (target.kind === 'cidr' && fn === 'ip') return resolved('cidr_ip', T.ip);
    if (target.kind === 'cidr' && fn === 'prefixLength') return resolved('cidr_prefix_length', T.int);
    if (target.kind === 'cidr' && fn === 'masked') return resolved('cidr_masked', T.cidr);
    return undefined;
  }
  if (target.kind !== 'cidr' || args.length !== 1) return undefined;
  const arg = node.args[0]!;
  const literal = arg.kind === 'literal' && typeof arg.value === 'string' ? arg.value : undefined;
  if (fn === 'containsIP' && (args[0]!.kind === 'ip' || args[0]!.kind === 'string')) {
    const parsed = literal === undefined ? undefined : parseIp(literal);
    if (typeof parsed === 'string') return c.fail(arg, parsed);
    return resolved('cidr_contains_ip', T.bool);
  }
  if (fn === 'containsCIDR' && (args[0]!.kind === 'cidr' || args[0]!.kind === 'string')) {
    const parsed = literal === undefined ? undefined : parseCidr(literal);
    if (typeof parsed === 'string') return c.fail(arg, parsed);
    return resolved('cidr_contains_cidr', T.bool);
  }
  return undefined;
}

/**
 * `duration(s)`: a literal is parsed here (strictly, Go's syntax), so a bad one is a type error
 * with its position; any other string is parsed when evaluated, an evaluation error if invalid.
 */
function checkDuration(node: CallNode, args: readonly CelType[], c: CallCheckContext): Resolution {
  const arg = node.args[0];
  if (args.length !== 1 || args[0]!.kind !== 'string') return noOverload(node, 'duration', args, c);
  if (arg?.kind === 'literal' && parseDuration(arg.value as string) === undefined) {
    return c.fail(
      arg,
      `'${String(arg.value)}' is not a duration (numbers with units h, m, s, ms, us, ns, e.g. '1h30m'; at most ±292 years)`,
    );
  }
  return resolved('duration_string', T.duration);
}

/**
 * `s.matches(re)`: the pattern must be a string literal, within the length limit, and a valid RE2
 * expression. It is compiled here, so a bad pattern is a type error with its position when the
 * policy is checked, never an exception when the set is compiled or a request evaluated.
 */
function checkPattern(arg: CelNode, c: CallCheckContext): void {
  if (arg.kind !== 'literal' || typeof arg.value !== 'string') {
    c.fail(arg, 'matches() takes a string literal pattern (it is compiled once, when the policy is checked)');
    return;
  }
  if (arg.value.length > LIMITS.regexChars) {
    c.fail(
      arg,
      `regular expression has ${arg.value.length} characters; the limit is ${LIMITS.regexChars}`,
      'POLICY_LIMIT_EXCEEDED',
    );
  }
  try {
    RE2JS.compile(arg.value);
  } catch (error) {
    const reason = (error as { error?: string }).error ?? (error as Error).message;
    c.fail(arg, `invalid regular expression ${JSON.stringify(arg.value)}: ${reason}`);
  }
}
