/**
 * The static types of the policy language: the vocabulary's attribute types plus the types
 * CEL expressions can produce inside a condition (records for the request namespaces, `any`
 * for the element of an empty literal).
 */

export type ScalarKind =
  | 'string'
  | 'int'
  | 'double'
  | 'bool'
  | 'timestamp'
  | 'duration'
  | 'url'
  | 'ip'
  | 'cidr'
  | 'null';

export interface ScalarType {
  readonly kind: ScalarKind;
}
export interface ListType {
  readonly kind: 'list';
  readonly elem: CelType;
}
export interface MapType {
  readonly kind: 'map';
  readonly key: CelType;
  readonly value: CelType;
}
/** A request namespace or nested attribute group: known fields, JSON object at run time. */
export interface RecordType {
  readonly kind: 'record';
  readonly name: string;
  readonly fields: ReadonlyMap<string, RecordField>;
}
export interface RecordField {
  readonly path: string;
  readonly type: CelType;
  readonly required: boolean;
}
/** Element type of `[]` / `{}`: unifies with anything. */
export interface AnyType {
  readonly kind: 'any';
}

export type CelType = ScalarType | ListType | MapType | RecordType | AnyType;

export const T = {
  string: { kind: 'string' } as ScalarType,
  int: { kind: 'int' } as ScalarType,
  double: { kind: 'double' } as ScalarType,
  bool: { kind: 'bool' } as ScalarType,
  timestamp: { kind: 'timestamp' } as ScalarType,
  duration: { kind: 'duration' } as ScalarType,
  url: { kind: 'url' } as ScalarType,
  ip: { kind: 'ip' } as ScalarType,
  cidr: { kind: 'cidr' } as ScalarType,
  null: { kind: 'null' } as ScalarType,
  any: { kind: 'any' } as AnyType,
  list: (elem: CelType): ListType => ({ kind: 'list', elem }),
  map: (key: CelType, value: CelType): MapType => ({ kind: 'map', key, value }),
} as const;

export function formatType(t: CelType): string {
  switch (t.kind) {
    case 'list':
      return `list<${formatType(t.elem)}>`;
    case 'map':
      return `map<${formatType(t.key)},${formatType(t.value)}>`;
    case 'record':
      return t.name;
    case 'any':
      return 'dyn';
    default:
      return t.kind;
  }
}

/** Structural equality, with `any` matching everything. Returns the more specific type, or undefined. */
export function unify(a: CelType, b: CelType): CelType | undefined {
  if (a.kind === 'any') return b;
  if (b.kind === 'any') return a;
  if (a.kind === 'list' && b.kind === 'list') {
    const e = unify(a.elem, b.elem);
    return e === undefined ? undefined : e === a.elem ? a : T.list(e);
  }
  if (a.kind === 'map' && b.kind === 'map') {
    const k = unify(a.key, b.key);
    const v = unify(a.value, b.value);
    if (k === undefined || v === undefined) return undefined;
    return k === a.key && v === a.value ? a : T.map(k, v);
  }
  if (a.kind === 'record' && b.kind === 'record') return a.name === b.name ? a : undefined;
  return a.kind === b.kind ? a : undefined;
}

export function isNumeric(t: CelType): boolean {
  return t.kind === 'int' || t.kind === 'double';
}

const SCALAR_NAMES: Record<string, ScalarType> = {
  string: T.string,
  int: T.int,
  double: T.double,
  bool: T.bool,
  timestamp: T.timestamp,
};

/**
 * Parses a vocabulary type: `string`, `int`, `double`, `bool`, `timestamp`, `list<T>`,
 * `map<string,T>` (T any of these, nesting at most 3 deep). Returns an error message on failure.
 */
export function parseTypeText(text: string): CelType | string {
  const src = text.replace(/\s+/g, '');
  let pos = 0;
  const fail = (msg: string): never => {
    throw new TypeSyntax(msg);
  };
  const parse = (depth: number): CelType => {
    if (depth > 3) fail('type nests deeper than 3 levels');
    const m = /^[a-z_]+/.exec(src.slice(pos));
    const name = m?.[0] ?? '';
    pos += name.length;
    const scalar = SCALAR_NAMES[name];
    // Timestamps inside collections would need per-element conversion; keep them scalar.
    if (scalar === T.timestamp && depth > 0) fail('timestamp is only allowed as a scalar attribute');
    if (scalar !== undefined) return scalar;
    if (name === 'list' || name === 'map') {
      if (src[pos] !== '<') fail(`expected '<' after ${name}`);
      pos++;
      let result: CelType;
      if (name === 'list') {
        result = T.list(parse(depth + 1));
      } else {
        const key = parse(depth + 1);
        if (key.kind !== 'string') fail('map keys must be string');
        if (src[pos] !== ',') fail("expected ',' in map<string,T>");
        pos++;
        result = T.map(key, parse(depth + 1));
      }
      if (src[pos] !== '>') fail("expected '>'");
      pos++;
      return result;
    }
    return fail(`unknown type '${name || src.slice(pos, pos + 10)}'`);
  };
  try {
    const t = parse(0);
    if (pos !== src.length) return `unexpected '${src.slice(pos)}' after type`;
    return t;
  } catch (e) {
    if (e instanceof TypeSyntax) return `${e.message} in type '${text}'`;
    throw e;
  }
}

class TypeSyntax extends Error {}
