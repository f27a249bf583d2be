/**
 * Evaluates a condition with @bufbuild/cel's own interpreter. This is the reference the
 * compiled engine is tested against (differential tests) and measured against (bench); it is
 * not on the decision path.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { parseTimestamp } from './cel-runtime.js';
import type { CelType, RecordType } from './cel-types.js';
import type { DecisionRequest } from './request-validator.js';
import { NAMESPACES, type Vocabulary } from './vocabulary-parser.js';

export type ReferenceOutcome = { readonly value: unknown } | { readonly error: string };

/** A planned condition: call with interpreter bindings from `toReferenceBindings`. */
export type ReferenceProgram = (bindings: Record<string, unknown>) => ReferenceOutcome;

const env = celEnv();

export function planReference(condition: string): ReferenceProgram {
  const program = plan(env, parse(condition));
  return (bindings) => {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: bindings are CelInput values built below
      const result = program(bindings as any);
      return isCelError(result) ? { error: result.message } : { value: result };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
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
    case 'timestamp': {
      const ns = parseTimestamp(value as string)!;
      const seconds = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
      return create(TimestampSchema, { seconds, nanos: Number(ns - seconds * 1_000_000_000n) });
    }
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
