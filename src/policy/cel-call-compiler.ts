/**
 * The closure of each overload, by family. Every family's switch is exhaustive over that
 * family's overloads (`cel-overloads.ts`), so an overload without a closure does not compile.
 * Semantics (errors, overflow, short-circuit error absorption of `&&`/`||`) follow @bufbuild/cel.
 */
import { celList, isCelError } from '@bufbuild/cel';
import { strings as celStringExtensions } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import type { CallNode, CelNode } from './cel-ast.js';
import { chainOf, junctionOf } from './cel-compiler-fast-paths.js';
import type { Evaluator } from './cel-evaluation.js';
import {
  cidrContainsCidr,
  cidrContainsIp,
  cidrIp,
  cidrMasked,
  cidrPrefixLength,
  cidrValue,
  type IpPredicate,
  ipPredicate,
  ipValue,
  parseCidr,
  parseIp,
  parseUrl,
  type UrlField,
  urlField,
  urlQuery,
  urlValue,
} from './cel-network.js';
import {
  type ArithmeticOverload,
  assertNever,
  type CollectionOverload,
  type ComparisonOverload,
  type ConversionOverload,
  isOverloadOf,
  type LogicOverload,
  type NetworkOverload,
  type OverloadId,
  type StringOverload,
  type TimeOverload,
} from './cel-overloads.js';
import {
  addInt,
  celEquals,
  type DurationField,
  divInt,
  doubleToInt,
  durationField,
  durationInRange,
  fail,
  type IntValue,
  intLiteral,
  intToDouble,
  modInt,
  mulInt,
  negInt,
  numericEquals,
  parseDuration,
  parseTimestamp,
  stringSize,
  subInt,
  type TimestampField,
  timestampField,
  timestampInRange,
  timestampValue,
} from './cel-runtime.js';

/** A call's compiled operands: `a` is the receiver or first argument, `b` the next one. */
export interface CallOperands {
  readonly node: CallNode;
  readonly a: Evaluator;
  readonly b: Evaluator;
  readonly args: readonly Evaluator[];
  /** The closure already compiled for a sub-expression (operands of `&&`/`||` chains). */
  readonly compiled: (node: CelNode) => Evaluator;
  /** The call yields a timestamp attribute (list or map element), converted on read. */
  readonly yieldsTimestamp: boolean;
}

type Num = number;

/**
 * The strings extension runs the implementation @bufbuild/cel ships (`@bufbuild/cel/ext`, the
 * semantics of cel-go's ext.Strings, held to Google's conformance tests in
 * cel-conformance.test.ts): these functions are not on the hot path of typical policies, and one
 * implementation of their code-point rules is better than two. Values cross over converted: ints
 * as bigint, lists as CelList; an error comes back as a CEL evaluation error.
 */
function compileStringExtension(
  name: string,
  receiver: Evaluator,
  params: readonly Evaluator[],
  arity: number,
): Evaluator {
  const fn = celStringExtensions.find((f) => f.name === name && f.arguments.length === arity);
  if (fn === undefined) throw new Error(`strings extension ${name}/${arity} is not in @bufbuild/cel/ext`);
  const toCel = (v: unknown): unknown =>
    typeof v === 'number' ? BigInt(v) : Array.isArray(v) ? celList(v as string[]) : v;
  return (ctx) => {
    // biome-ignore lint/suspicious/noExplicitAny: CelValue arguments, converted above
    const result: any = fn.call(0, toCel(receiver(ctx)) as any, params.map((p) => toCel(p(ctx))) as any);
    if (result === undefined || isCelError(result)) fail(result?.message ?? `${name}: no matching overload`);
    if (typeof result === 'bigint') return intLiteral(result);
    if (typeof result === 'string') return result;
    return [...(result as Iterable<string>)];
  };
}
const hasOwn = Object.hasOwn;

/** The general closure of `overload` over its operands. */
export function compileOverload(overload: OverloadId, o: CallOperands): Evaluator {
  if (isOverloadOf(overload, 'logic')) return compileLogic(overload, o);
  if (isOverloadOf(overload, 'comparison')) return compileComparison(overload, o);
  if (isOverloadOf(overload, 'arithmetic')) return compileArithmetic(overload, o);
  if (isOverloadOf(overload, 'strings')) return compileString(overload, o);
  if (isOverloadOf(overload, 'collections')) return compileCollection(overload, o);
  if (isOverloadOf(overload, 'conversions')) return compileConversion(overload, o);
  if (isOverloadOf(overload, 'time')) return compileTime(overload, o);
  if (isOverloadOf(overload, 'network')) return compileNetwork(overload, o);
  return assertNever(overload);
}

function compileLogic(overload: LogicOverload, { node, a, b, args, compiled }: CallOperands): Evaluator {
  switch (overload) {
    case 'and':
      return junctionOf(chainOf(node, '_&&_').map(compiled), false);
    case 'or':
      return junctionOf(chainOf(node, '_||_').map(compiled), true);
    case 'not':
      return (ctx) => !a(ctx);
    case 'not_strictly_false':
      return (ctx) => {
        try {
          return a(ctx) !== false;
        } catch {
          return true;
        }
      };
    case 'cond': {
      const c = args[2]!;
      return (ctx) => (a(ctx) ? b(ctx) : c(ctx));
    }
    default:
      return assertNever(overload);
  }
}

function compileComparison(overload: ComparisonOverload, { a, b }: CallOperands): Evaluator {
  switch (overload) {
    case 'eq_strict':
      return (ctx) => a(ctx) === b(ctx);
    case 'ne_strict':
      return (ctx) => a(ctx) !== b(ctx);
    case 'eq_loose':
      return (ctx) => numericEquals(a(ctx), b(ctx));
    case 'ne_loose':
      return (ctx) => !numericEquals(a(ctx), b(ctx));
    case 'eq_generic':
      return (ctx) => celEquals(a(ctx), b(ctx));
    case 'ne_generic':
      return (ctx) => !celEquals(a(ctx), b(ctx));
    case 'lt':
      return (ctx) => (a(ctx) as Num) < (b(ctx) as Num);
    case 'le':
      return (ctx) => (a(ctx) as Num) <= (b(ctx) as Num);
    case 'gt':
      return (ctx) => (a(ctx) as Num) > (b(ctx) as Num);
    case 'ge':
      return (ctx) => (a(ctx) as Num) >= (b(ctx) as Num);
    // Mixed int/double comparisons go through Number(), as @bufbuild/cel does.
    case 'lt_int_double':
    case 'lt_double_int':
      return (ctx) => Number(a(ctx)) < Number(b(ctx));
    case 'le_int_double':
    case 'le_double_int':
      return (ctx) => Number(a(ctx)) <= Number(b(ctx));
    case 'gt_int_double':
    case 'gt_double_int':
      return (ctx) => Number(a(ctx)) > Number(b(ctx));
    case 'ge_int_double':
    case 'ge_double_int':
      return (ctx) => Number(a(ctx)) >= Number(b(ctx));
    default:
      return assertNever(overload);
  }
}

function compileArithmetic(overload: ArithmeticOverload, { a, b }: CallOperands): Evaluator {
  switch (overload) {
    case 'add_int':
      return (ctx) => addInt(a(ctx) as IntValue, b(ctx) as IntValue);
    case 'sub_int':
      return (ctx) => subInt(a(ctx) as IntValue, b(ctx) as IntValue);
    case 'mul_int':
      return (ctx) => mulInt(a(ctx) as IntValue, b(ctx) as IntValue);
    case 'div_int':
      return (ctx) => divInt(a(ctx) as IntValue, b(ctx) as IntValue);
    case 'mod_int':
      return (ctx) => modInt(a(ctx) as IntValue, b(ctx) as IntValue);
    case 'neg_int':
      return (ctx) => negInt(a(ctx) as IntValue);
    case 'add_double':
      return (ctx) => (a(ctx) as Num) + (b(ctx) as Num);
    case 'sub_double':
      return (ctx) => (a(ctx) as Num) - (b(ctx) as Num);
    case 'mul_double':
      return (ctx) => (a(ctx) as Num) * (b(ctx) as Num);
    case 'div_double':
      return (ctx) => (a(ctx) as Num) / (b(ctx) as Num);
    case 'neg_double':
      return (ctx) => -(a(ctx) as Num);
    // Timestamps and durations are bigint nanoseconds; a result outside the range is an error.
    case 'add_timestamp_duration':
      return (ctx) => timestampInRange((a(ctx) as bigint) + (b(ctx) as bigint));
    case 'sub_timestamp_duration':
      return (ctx) => timestampInRange((a(ctx) as bigint) - (b(ctx) as bigint));
    case 'add_duration':
      return (ctx) => durationInRange((a(ctx) as bigint) + (b(ctx) as bigint));
    case 'sub_timestamps':
    case 'sub_duration':
      return (ctx) => durationInRange((a(ctx) as bigint) - (b(ctx) as bigint));
    default:
      return assertNever(overload);
  }
}

function compileString(overload: StringOverload, { node, a, b, args }: CallOperands): Evaluator {
  switch (overload) {
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
      return compileStringExtension(overload, a, args, node.args.length);
    case 'add_string':
      return (ctx) => (a(ctx) as string) + (b(ctx) as string);
    case 'size_string':
      return (ctx) => stringSize(a(ctx) as string);
    case 'contains':
      return (ctx) => (a(ctx) as string).includes(b(ctx) as string);
    case 'startsWith':
      return (ctx) => (a(ctx) as string).startsWith(b(ctx) as string);
    case 'endsWith':
      return (ctx) => (a(ctx) as string).endsWith(b(ctx) as string);
    case 'matches': {
      // The checker admits only a literal pattern that compiles.
      const pattern = node.args[0]!;
      if (pattern.kind !== 'literal') throw new Error('matches() with a non-literal pattern was not checked');
      const re = RE2JS.compile(pattern.value as string);
      return (ctx) => re.test(a(ctx) as string);
    }
    default:
      return assertNever(overload);
  }
}

function compileCollection(overload: CollectionOverload, { a, b, yieldsTimestamp }: CallOperands): Evaluator {
  switch (overload) {
    case 'add_list':
      return (ctx) => (a(ctx) as unknown[]).concat(b(ctx) as unknown[]);
    case 'in_list_strict':
      return (ctx) => {
        const x = a(ctx);
        return (b(ctx) as unknown[]).includes(x);
      };
    case 'in_list_generic':
      return (ctx) => {
        const x = a(ctx);
        const list = b(ctx) as unknown[];
        for (let i = 0; i < list.length; i++) if (celEquals(list[i], x)) return true;
        return false;
      };
    case 'in_map':
      return (ctx) => {
        const x = a(ctx) as string;
        return hasOwn(b(ctx) as object, x);
      };
    case 'index_list':
      return (ctx) => {
        const list = a(ctx) as unknown[];
        const i = b(ctx) as IntValue;
        if (typeof i !== 'number' || i < 0 || i >= list.length) fail(`index out of bounds: ${i}`);
        return yieldsTimestamp ? timestampValue(list[i as number]) : list[i as number];
      };
    case 'index_map':
      return (ctx) => {
        const m = a(ctx) as Record<string, unknown>;
        const k = b(ctx) as string;
        if (!hasOwn(m, k)) fail(`no such key: ${k}`);
        return yieldsTimestamp ? timestampValue(m[k]) : m[k];
      };
    case 'size_list':
      return (ctx) => (a(ctx) as unknown[]).length;
    case 'size_map':
      return (ctx) => Object.keys(a(ctx) as object).length;
    default:
      return assertNever(overload);
  }
}

function compileConversion(overload: ConversionOverload, { a }: CallOperands): Evaluator {
  switch (overload) {
    case 'identity':
    // An IP or CIDR is held as its canonical text already.
    case 'string_network':
      return a;
    case 'int_double':
      return (ctx) => doubleToInt(a(ctx) as number);
    case 'double_int':
      return (ctx) => intToDouble(a(ctx) as IntValue);
    case 'string_int':
    case 'string_bool':
      return (ctx) => String(a(ctx));
    default:
      return assertNever(overload);
  }
}

function compileTime(overload: TimeOverload, { node, a, args }: CallOperands): Evaluator {
  switch (overload) {
    case 'timestamp_string': {
      const t = parseTimestamp((node.args[0] as { value: string }).value)!;
      return () => t;
    }
    case 'timestamp_field': {
      const field = node.fn as TimestampField;
      const zone = args[0];
      return zone === undefined
        ? (ctx) => timestampField(a(ctx) as bigint, field, undefined)
        : (ctx) => timestampField(a(ctx) as bigint, field, zone(ctx) as string);
    }
    case 'duration_string': {
      const text = node.args[0]!;
      if (text.kind === 'literal') {
        const d = parseDuration(text.value as string)!;
        return () => d;
      }
      return (ctx) => {
        const s = a(ctx) as string;
        return parseDuration(s) ?? fail(`invalid duration ${JSON.stringify(s)}`);
      };
    }
    case 'duration_field': {
      const field = node.fn as DurationField;
      return (ctx) => durationField(a(ctx) as bigint, field);
    }
    default:
      return assertNever(overload);
  }
}

/** `url(s)`, `ip(s)`, `cidr(s)` from a literal: parsed once (the checker parsed it too). */
function constantOr(node: CallNode, parse: (text: string) => unknown, a: Evaluator): Evaluator {
  const arg = node.args[0]!;
  if (arg.kind !== 'literal') return (ctx) => parse(a(ctx) as string);
  const value = parse(arg.value as string);
  return () => value;
}

const IS_VALUE: Readonly<Record<string, (text: string) => unknown>> = {
  isURL: parseUrl,
  isIP: parseIp,
  isCIDR: parseCidr,
};

function compileNetwork(overload: NetworkOverload, { node, a, b }: CallOperands): Evaluator {
  switch (overload) {
    case 'url_string':
      return constantOr(node, urlValue, a);
    case 'ip_string':
      return constantOr(node, ipValue, a);
    case 'cidr_string':
      return constantOr(node, cidrValue, a);
    case 'is_network_value': {
      const parse = IS_VALUE[node.fn]!;
      return (ctx) => typeof parse(a(ctx) as string) !== 'string';
    }
    case 'url_field': {
      const field = node.fn as UrlField;
      return (ctx) => urlField(a(ctx) as string, field);
    }
    case 'url_query':
      return (ctx) => urlQuery(a(ctx) as string);
    case 'ip_family':
      return (ctx) => ((a(ctx) as string).includes(':') ? 6 : 4);
    case 'ip_predicate': {
      const predicate = node.fn as IpPredicate;
      return (ctx) => ipPredicate(a(ctx) as string, predicate);
    }
    case 'cidr_contains_ip':
      return (ctx) => cidrContainsIp(a(ctx) as string, b(ctx) as string);
    case 'cidr_contains_cidr':
      return (ctx) => cidrContainsCidr(a(ctx) as string, b(ctx) as string);
    case 'cidr_ip':
      return (ctx) => cidrIp(a(ctx) as string);
    case 'cidr_prefix_length':
      return (ctx) => cidrPrefixLength(a(ctx) as string);
    case 'cidr_masked':
      return (ctx) => cidrMasked(a(ctx) as string);
    default:
      return assertNever(overload);
  }
}
