/**
 * Evaluates a condition with @bufbuild/cel's own interpreter. This is the reference the
 * compiled engine is tested against (differential tests) and measured against (bench); it is
 * not on the decision path.
 */
import {
  CelScalar,
  celEnv,
  celError,
  celFunc,
  celMethod,
  isCelError,
  listType,
  mapType,
  objectType,
  parse,
  plan,
} from '@bufbuild/cel';
import { strings as celStringExtensions } from '@bufbuild/cel/ext';
import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import {
  cidrContainsCidr,
  cidrContainsIp,
  cidrIp,
  cidrMasked,
  cidrPrefixLength,
  cidrValue,
  ipPredicate,
  ipValue,
  parseCidr,
  parseIp,
  parseUrl,
  urlField,
  urlQuery,
  urlValue,
} from './cel-network.js';
import { unquoteFields } from './cel-quoted-fields.js';
import {
  failureMessage,
  isTimeZone,
  parseDuration,
  parseTimestamp,
  TIMESTAMP_FIELDS,
  type TimestampField,
  timestampField,
} from './cel-runtime.js';
import type { CelType, RecordType } from './cel-types.js';
import type { DecisionRequest } from './request-validator.js';
import { NAMESPACES, type Vocabulary } from './vocabulary-parser.js';

export type ReferenceOutcome = { readonly value: unknown } | { readonly error: string };

/** A planned condition: call with interpreter bindings from `toReferenceBindings`. */
export type ReferenceProgram = (bindings: Record<string, unknown>) => ReferenceOutcome;

const INT64_MIN = -9223372036854775808n;

/**
 * Where @bufbuild/cel 0.6 departs from the CEL specification (and cel-go), the reference is put
 * right, so that the differential tests hold both evaluators to the specification:
 * `-9223372036854775808 % -1` overflows (the interpreter answers 0), and `timestamp()` refuses a
 * day the month does not have, hour 24 and other impossible values (the interpreter shifts them).
 */
const SPEC_FIXES = [
  celFunc('_%_', [CelScalar.INT, CelScalar.INT], CelScalar.INT, (a, b) => {
    if (b === 0n) throw celError('int modulus by zero');
    if (a === INT64_MIN && b === -1n) throw celError('int64 overflow in _%_');
    return a % b;
  }),
  // @bufbuild/cel 0.6 reads '' as a zero duration; cel-go (Go's syntax) refuses it.
  celFunc('duration', [CelScalar.STRING], objectType(DurationSchema), (text) => {
    const ns = parseDuration(text);
    if (ns === undefined) throw celError(`invalid duration ${JSON.stringify(text)}`);
    return create(DurationSchema, { seconds: ns / 1_000_000_000n, nanos: Number(ns % 1_000_000_000n) });
  }),
  celFunc('timestamp', [CelScalar.STRING], objectType(TimestampSchema), (text) => {
    const ns = parseTimestamp(text);
    if (ns === undefined) throw celError(`invalid timestamp ${JSON.stringify(text)}`);
    return timestampOf(ns);
  }),
];

/**
 * The timestamp accessors: @bufbuild/cel 0.6 answers the next day at midnight in a time zone
 * (`getDayOfWeek('America/Los_Angeles')` of 00:30 local time) and misreads years before 100, so
 * the reference uses the platform's implementation (`timestampField`), held to the conformance
 * suite's timestamp tests like everything else.
 */
const ACCESSOR_FIXES = [...TIMESTAMP_FIELDS].flatMap((name) => {
  const field = name as TimestampField;
  // biome-ignore lint/suspicious/noExplicitAny: a google.protobuf.Timestamp as the interpreter holds it
  const nsOf = (t: any): bigint => BigInt(t.message.seconds) * 1_000_000_000n + BigInt(t.message.nanos);
  return [
    celMethod(name, objectType(TimestampSchema), [], CelScalar.INT, function () {
      return BigInt(timestampField(nsOf(this), field, undefined));
    }),
    celMethod(name, objectType(TimestampSchema), [CelScalar.STRING], CelScalar.INT, function (zone) {
      if (!isTimeZone(zone)) throw celError(`unknown time zone '${zone}'`);
      return BigInt(timestampField(nsOf(this), field, zone));
    }),
  ];
});

/**
 * Kubernetes' URL, IP and CIDR libraries are not in @bufbuild/cel: the reference registers them
 * over the platform's implementation (`cel-network.ts`), so the differential tests check their
 * wiring (types, errors, absorption), not their parsing, which the unit tests and the YAML cases
 * pin against Kubernetes' documented answers. Values are strings, as in the compiled engine; the
 * checker keeps the kinds apart.
 */
const S = CelScalar.STRING;
const guarded =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R => {
    try {
      return fn(...args);
    } catch (e) {
      throw celError(failureMessage(e));
    }
  };
const NETWORK = [
  celFunc('url', [S], S, guarded(urlValue)),
  celFunc('ip', [S], S, guarded(ipValue)),
  celFunc('cidr', [S], S, guarded(cidrValue)),
  celFunc('isURL', [S], CelScalar.BOOL, (s) => typeof parseUrl(s) !== 'string'),
  celFunc('isIP', [S], CelScalar.BOOL, (s) => typeof parseIp(s) !== 'string'),
  celFunc('isCIDR', [S], CelScalar.BOOL, (s) => typeof parseCidr(s) !== 'string'),
  ...(['getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath'] as const).map((name) =>
    celMethod(name, S, [], S, function () {
      return guarded(urlField)(this, name);
    }),
  ),
  celMethod('getQuery', S, [], mapType(S, listType(S)), function () {
    return new Map(Object.entries(guarded(urlQuery)(this)));
  }),
  celMethod('family', S, [], CelScalar.INT, function () {
    return this.includes(':') ? 6n : 4n;
  }),
  ...(
    ['isUnspecified', 'isLoopback', 'isLinkLocalMulticast', 'isLinkLocalUnicast', 'isGlobalUnicast'] as const
  ).map((name) =>
    celMethod(name, S, [], CelScalar.BOOL, function () {
      return guarded(ipPredicate)(this, name);
    }),
  ),
  celMethod('containsIP', S, [S], CelScalar.BOOL, function (ip) {
    return guarded(cidrContainsIp)(this, ip);
  }),
  celMethod('containsCIDR', S, [S], CelScalar.BOOL, function (other) {
    return guarded(cidrContainsCidr)(this, other);
  }),
  celMethod('ip', S, [], S, function () {
    return guarded(cidrIp)(this);
  }),
  celMethod('prefixLength', S, [], CelScalar.INT, function () {
    return BigInt(guarded(cidrPrefixLength)(this));
  }),
  celMethod('masked', S, [], S, function () {
    return guarded(cidrMasked)(this);
  }),
];

const env = celEnv({ funcs: [...celStringExtensions, ...SPEC_FIXES, ...ACCESSOR_FIXES, ...NETWORK] });

function timestampOf(ns: bigint) {
  const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  return create(TimestampSchema, { seconds, nanos: Number(ns - seconds * 1_000_000_000n) });
}

export function planReference(condition: string): ReferenceProgram {
  const quoted = unquoteFields(condition);
  const parsed = parse(quoted.text);
  restoreQuotedFields(parsed.expr, quoted.names);
  const absolute = renameAbsoluteIdents(parsed, quoted.text);
  const program = plan(env, parsed);
  return (given) => {
    const bindings: Record<string, unknown> = { ...given };
    for (const name of absolute) bindings[`${ROOT_ALIAS}${name}`] = given[name];
    try {
      // biome-ignore lint/suspicious/noExplicitAny: bindings are CelInput values built below
      const result = program(bindings as any);
      return isCelError(result) ? { error: result.message } : { value: result };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
}

const ROOT_ALIAS = '__acgs_root_';

/** Gives the selections of backtick-quoted names (replaced by placeholders to parse) their names. */
// biome-ignore lint/suspicious/noExplicitAny: the parsed protobuf Expr tree, walked structurally
function restoreQuotedFields(node: any, names: ReadonlyMap<string, string>): void {
  if (names.size === 0 || node === null || typeof node !== 'object') return;
  if (node.exprKind?.case === 'selectExpr') {
    const field: string = node.exprKind.value.field;
    node.exprKind.value.field = names.get(field) ?? field;
  }
  for (const value of Object.values(node)) restoreQuotedFields(value, names);
}

/**
 * The interpreter's parser drops the leading dot of `.principal`, so inside a comprehension whose
 * variable is `principal` it would mean the variable. Such identifiers (positioned at their dot)
 * are renamed to an alias bound to the root value; returns the names renamed.
 */
// biome-ignore lint/suspicious/noExplicitAny: the parsed protobuf Expr tree, walked structurally
function renameAbsoluteIdents(parsed: any, text: string): Set<string> {
  const positions: Record<string, number> = parsed.sourceInfo?.positions ?? {};
  const renamed = new Set<string>();
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const walk = (node: any): void => {
    if (node === null || typeof node !== 'object') return;
    if (node.exprKind?.case === 'identExpr') {
      const name: string = node.exprKind.value.name;
      const at = positions[String(node.id)];
      if (at !== undefined && text[at] === '.' && text.startsWith(name, at + 1)) {
        node.exprKind.value.name = `${ROOT_ALIAS}${name}`;
        renamed.add(name);
      }
      return;
    }
    for (const value of Object.values(node)) walk(value);
  };
  walk(parsed.expr);
  return renamed;
}

/** Converts a (valid) request to the interpreter's value model: ints as bigint, timestamps as messages. */
export function toReferenceBindings(
  vocabulary: Vocabulary,
  request: DecisionRequest,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const ns of NAMESPACES) {
    out[ns] = convert(vocabulary.roots[ns], (request as unknown as Record<string, unknown>)[ns] ?? {});
  }
  return out;
}

function convert(type: CelType, value: unknown): unknown {
  switch (type.kind) {
    case 'int':
      return BigInt(value as number);
    case 'timestamp':
      return timestampOf(parseTimestamp(value as string)!);
    case 'list':
      return (value as unknown[]).map((v) => convert(type.elem, v));
    case 'map':
      return new Map(Object.entries(value as object).map(([k, v]) => [k, convert(type.value, v)]));
    case 'record':
      return convertRecord(type, value as Record<string, unknown>);
    default:
      return value;
  }
}

function convertRecord(type: RecordType, value: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, field] of type.fields) {
    if (Object.hasOwn(value, name)) out.set(name, convert(field.type, value[name]));
  }
  return out;
}
