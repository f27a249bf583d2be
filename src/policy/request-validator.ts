/**
 * Validates decision requests against a vocabulary. The validator is compiled once per
 * vocabulary into closures and allocates nothing for a valid request; errors name the
 * JSON pointer of the offending attribute.
 */
import type { FieldError } from '../kernel/errors.js';
import { parseTimestamp } from './cel-runtime.js';
import type { CelType, RecordType } from './cel-types.js';
import { formatType } from './cel-types.js';
import { policyErrors } from './errors.js';
import { NAMESPACES, pointerEscape, type Vocabulary } from './vocabulary-parser.js';

/** A decision request (DESIGN.md §2). Values must match the vocabulary's types. */
export interface DecisionRequest {
  readonly principal?: Readonly<Record<string, unknown>>;
  readonly action: Readonly<Record<string, unknown>> & { readonly type: string };
  readonly resource?: Readonly<Record<string, unknown>>;
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Largest list or map a request may carry (keeps comprehension cost bounded). */
export const MAX_REQUEST_COLLECTION = 1024;

type Check = (value: unknown, pointer: string, out: FieldError[]) => void;

export type RequestValidator = (request: unknown) => FieldError[] | undefined;

/** Compiles a validator for a vocabulary: returns undefined for a valid request, else the field errors. */
export function compileRequestValidator(vocabulary: Vocabulary): RequestValidator {
  const fast = fastRequestCheck(vocabulary);
  const collect = compileRequestErrorCollector(vocabulary);
  // Valid requests take the allocation-free boolean path; errors are collected only on failure.
  return (request) => (fast(request) ? undefined : collect(request));
}

/** The slow path alone: walks the whole request collecting every error with its pointer. */
export function compileRequestErrorCollector(vocabulary: Vocabulary): RequestValidator {
  const namespaceChecks = NAMESPACES.map((ns) => [ns, recordCheck(vocabulary.roots[ns])] as const);
  const allowed = new Set<string>(NAMESPACES);
  return (request) => {
    const out: FieldError[] = [];
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return [{ pointer: '', detail: 'request must be a JSON object' }];
    }
    for (const key in request) {
      if (!allowed.has(key))
        out.push({ pointer: `/${pointerEscape(key)}`, detail: `unknown namespace '${key}'` });
    }
    for (const [ns, check] of namespaceChecks) {
      const v = (request as Record<string, unknown>)[ns];
      if (v === undefined && ns !== 'action') continue;
      check(v, `/${ns}`, out);
    }
    return out.length === 0 ? undefined : out;
  };
}

/** Validates one request; throws `POLICY_REQUEST_INVALID` (400) with every field error. */
export function validateRequest(
  vocabulary: Vocabulary,
  request: unknown,
): asserts request is DecisionRequest {
  const errors = compileRequestValidator(vocabulary)(request);
  if (errors !== undefined) throw requestInvalid(errors);
}

export function requestInvalid(errors: readonly FieldError[]) {
  const first = errors[0]!;
  return policyErrors.create('POLICY_REQUEST_INVALID', `${first.pointer || '/'}: ${first.detail}`, {
    errors,
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function recordCheck(type: RecordType): Check {
  const fields = [...type.fields].map(([name, f]) => ({
    name,
    required: f.required,
    check: typeCheck(f.type),
  }));
  const known = new Set(type.fields.keys());
  return (value, pointer, out) => {
    if (!isPlainObject(value)) {
      out.push({ pointer, detail: `${type.name} must be an object` });
      return;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (!known.has(key)) {
        out.push({
          pointer: `${pointer}/${pointerEscape(key)}`,
          detail: `unknown attribute '${type.name}.${key}'`,
        });
      }
    }
    for (const f of fields) {
      const v = Object.hasOwn(value, f.name) ? value[f.name] : undefined;
      if (v === undefined) {
        if (f.required) {
          out.push({
            pointer: `${pointer}/${f.name}`,
            detail: `missing required attribute '${type.name}.${f.name}'`,
          });
        }
        continue;
      }
      f.check(v, `${pointer}/${f.name}`, out);
    }
  };
}

function typeCheck(type: CelType): Check {
  const wrong = (v: unknown, pointer: string, out: FieldError[]) =>
    out.push({ pointer, detail: `expected ${formatType(type)}, got ${describe(v)}` });
  switch (type.kind) {
    case 'string':
      return (v, p, o) => (typeof v === 'string' ? undefined : wrong(v, p, o));
    case 'bool':
      return (v, p, o) => (typeof v === 'boolean' ? undefined : wrong(v, p, o));
    case 'double':
      return (v, p, o) => (typeof v === 'number' && Number.isFinite(v) ? undefined : wrong(v, p, o));
    case 'int':
      return (v, p, o) => {
        if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
          o.push({ pointer: p, detail: `int ${v} is outside ±(2^53-1); JSON cannot carry it exactly` });
        } else if (!Number.isSafeInteger(v)) wrong(v, p, o);
      };
    case 'timestamp':
      return (v, p, o) => {
        if (typeof v !== 'string' || parseTimestamp(v) === undefined) {
          o.push({ pointer: p, detail: `expected an RFC 3339 timestamp string, got ${describe(v)}` });
        }
      };
    case 'list': {
      const elem = typeCheck(type.elem);
      return (v, p, o) => {
        if (!Array.isArray(v)) return wrong(v, p, o);
        if (v.length > MAX_REQUEST_COLLECTION) {
          o.push({
            pointer: p,
            detail: `list has ${v.length} elements; the limit is ${MAX_REQUEST_COLLECTION}`,
          });
          return;
        }
        for (let i = 0; i < v.length; i++) elem(v[i], `${p}/${i}`, o);
      };
    }
    case 'map': {
      const value = typeCheck(type.value);
      return (v, p, o) => {
        if (!isPlainObject(v)) return wrong(v, p, o);
        let n = 0;
        for (const k in v) {
          if (!Object.hasOwn(v, k)) continue;
          if (++n > MAX_REQUEST_COLLECTION) {
            o.push({ pointer: p, detail: `map has more than ${MAX_REQUEST_COLLECTION} entries` });
            return;
          }
          value(v[k], `${p}/${pointerEscape(k)}`, o);
        }
      };
    }
    case 'record':
      return recordCheck(type);
    default:
      return wrong;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? `number ${v}` : 'number';
  return typeof v;
}

type Fast = (value: unknown) => boolean;

function fastRequestCheck(vocabulary: Vocabulary): Fast {
  const principal = fastRecord(vocabulary.roots.principal);
  const action = fastRecord(vocabulary.roots.action);
  const resource = fastRecord(vocabulary.roots.resource);
  const context = fastRecord(vocabulary.roots.context);
  return (r) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
    const o = r as Record<string, unknown>;
    let n = 1;
    if (!action(o.action)) return false;
    if (o.principal !== undefined) {
      if (!principal(o.principal)) return false;
      n++;
    }
    if (o.resource !== undefined) {
      if (!resource(o.resource)) return false;
      n++;
    }
    if (o.context !== undefined) {
      if (!context(o.context)) return false;
      n++;
    }
    let keys = 0;
    for (const _ in o) keys++;
    return keys === n;
  };
}

function fastRecord(type: RecordType): Fast {
  const names = [...type.fields.keys()];
  const required = names.map((n) => type.fields.get(n)!.required);
  const checks = names.map((n) => fastType(type.fields.get(n)!.type));
  const count = names.length;
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    let present = 0;
    for (let i = 0; i < count; i++) {
      const x = o[names[i]!];
      if (x === undefined) {
        if (required[i]) return false;
      } else {
        if (!checks[i]!(x)) return false;
        present++;
      }
    }
    let keys = 0;
    for (const _ in o) keys++;
    return keys === present;
  };
}

function fastType(type: CelType): Fast {
  switch (type.kind) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'bool':
      return (v) => typeof v === 'boolean';
    case 'double':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'int':
      return (v) => Number.isSafeInteger(v);
    case 'timestamp':
      return (v) => typeof v === 'string' && parseTimestamp(v) !== undefined;
    case 'list': {
      const elem = fastType(type.elem);
      return (v) => {
        if (!Array.isArray(v) || v.length > MAX_REQUEST_COLLECTION) return false;
        for (let i = 0; i < v.length; i++) if (!elem(v[i])) return false;
        return true;
      };
    }
    case 'map': {
      const value = fastType(type.value);
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        let n = 0;
        for (const k in v) {
          if (!Object.hasOwn(v, k) || ++n > MAX_REQUEST_COLLECTION) return false;
          if (!value((v as Record<string, unknown>)[k])) return false;
        }
        return true;
      };
    }
    case 'record':
      return fastRecord(type);
    default:
      return () => false;
  }
}
