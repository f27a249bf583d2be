/**
 * The request as solver variables: one presence flag and one value per vocabulary attribute,
 * bounded by the request format (docs/policy-language.md §1), and the decoder that turns a
 * model back into request JSON.
 *
 * Lists are modelled by their length and a fixed number of element slots: a list of length n
 * reads slots 0..min(n, K)−1 and repeats slot 0 after that. This is exact for the conditions the
 * encoder accepts: they read a list only through its length, literal indices (< K by
 * construction), membership tests and all/exists, each of which needs at most two witness
 * elements, so K = (highest literal index + 1) + 2 × (references to the list) suffices for every
 * request to have a model with the same decisions (docs/verification.md, "Lists"). Maps are
 * modelled by the literal keys the conditions use: nothing else can read them.
 */
import { parseTimestamp } from '../../../policy/cel-runtime.js';
import { isVerifiableScalar, type VerifiableScalar } from '../../../policy/cel-subset-analyzer.js';
import type { CelType, RecordType } from '../../../policy/cel-types.js';
import {
  MAX_REQUEST_COLLECTION,
  NAMESPACES,
  type Namespace,
  type Vocabulary,
} from '../../../policy/index.js';
import {
  app,
  boolLit,
  doubleLit,
  intLit,
  readBool,
  readDouble,
  readInt,
  readString,
  type SExpr,
  stringLit,
  sym,
} from './smt-text.js';

export const FLOAT = '(_ FloatingPoint 11 53)';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SECOND = 1_000_000_000n;
/** Timestamps a request can carry, in nanoseconds since the epoch (years 0001–9999). */
export const TIMESTAMP_MIN = BigInt(Date.parse('0001-01-01T00:00:00Z') / 1000) * SECOND;
export const TIMESTAMP_MAX = BigInt(Date.parse('9999-12-31T23:59:59Z') / 1000) * SECOND + SECOND - 1n;

/** What the conditions of a verification read from lists and maps (see the module comment). */
export interface CollectionUsage {
  /** Element slots per list attribute path. */
  readonly slots: ReadonlyMap<string, number>;
  /** Literal keys per map attribute path. */
  readonly keys: ReadonlyMap<string, readonly string[]>;
  /**
   * String sources modelled as integer codes (`path`, `path[]` for list elements, `path{}` for
   * map values): code i+1 is `literals[i]`, any other integer a distinct string that is no literal.
   */
  readonly codedStrings?: ReadonlySet<string>;
  /** Every string literal of the conditions, sorted. */
  readonly literals?: readonly string[];
}

export type ScalarKind = VerifiableScalar;

export function sortOf(kind: ScalarKind): string {
  switch (kind) {
    case 'string':
      return 'String';
    case 'double':
      return FLOAT;
    case 'bool':
      return 'Bool';
    default:
      return 'Int';
  }
}

interface Node {
  readonly path: string;
  /** Group or namespace path this node lives in. */
  readonly parent: string | undefined;
  readonly required: boolean;
  readonly type: CelType;
}

/** The solver's view of a request for one vocabulary and one collection usage. */
export class RequestSchema {
  private readonly nodes: Node[] = [];
  private readonly byPath = new Map<string, Node>();

  constructor(
    readonly vocabulary: Vocabulary,
    private readonly usage: CollectionUsage,
  ) {
    const walk = (record: RecordType, path: string) => {
      for (const [name, field] of record.fields) {
        const node: Node = {
          path: `${path}.${name}`,
          parent: path,
          required: field.required,
          type: field.type,
        };
        this.nodes.push(node);
        this.byPath.set(node.path, node);
        if (field.type.kind === 'record') walk(field.type, node.path);
      }
    };
    for (const ns of NAMESPACES) walk(vocabulary.roots[ns], ns);
    for (const [i, l] of (usage.literals ?? []).entries()) this.literalIndex.set(l, i);
  }

  /** Is this string source (`path`, `path[]`, `path{}`) modelled as an integer code? */
  isCoded(source: string): boolean {
    return this.usage.codedStrings?.has(source) ?? false;
  }

  /** The integer code of a string literal (for comparisons with coded sources). */
  literalCode(value: string): number {
    const i = this.literalIndex.get(value);
    if (i === undefined) throw new Error(`string literal ${JSON.stringify(value)} has no code`);
    return i + 1;
  }

  /** The string an integer code stands for. */
  decodeString(code: bigint): string {
    const literals = this.usage.literals ?? [];
    if (code >= 1n && code <= BigInt(literals.length)) return literals[Number(code) - 1]!;
    let s = `other-${code}`;
    while (this.literalIndex.has(s)) s += '~';
    return s;
  }

  /** Solver sort of a scalar of this kind coming from `source`. */
  sortFor(kind: ScalarKind, source: string): string {
    return kind === 'string' && this.isCoded(source) ? 'Int' : sortOf(kind);
  }

  private readonly literalIndex = new Map<string, number>();
  private fresh = new Map<string, number>();

  private decodeValue(kind: ScalarKind, source: string, e: SExpr): unknown {
    if (kind === 'string' && this.isCoded(source)) return this.decodeString(readInt(e));
    return decodeScalar(kind, e);
  }

  private encodeValue(kind: ScalarKind, source: string, v: unknown): string {
    if (kind === 'string' && this.isCoded(source)) {
      const i = this.literalIndex.get(v as string);
      if (i !== undefined) return `${i + 1}`;
      let code = this.fresh.get(v as string);
      if (code === undefined) {
        code = (this.usage.literals?.length ?? 0) + 1 + this.fresh.size;
        this.fresh.set(v as string, code);
      }
      return `${code}`;
    }
    return encodeScalar(kind, v);
  }

  /** Is this path a namespace (`principal`, …)? */
  static isNamespace(path: string): path is Namespace {
    return (NAMESPACES as readonly string[]).includes(path);
  }

  /** Bool term: the namespace object, group or attribute at `path` is present in the request. */
  present(path: string): string {
    if (path === 'action') return 'true';
    if (RequestSchema.isNamespace(path)) return sym(`ns:${path}`);
    if (path === 'action.type') return 'true';
    return sym(`p:${path}`);
  }

  value(path: string): string {
    return sym(`v:${path}`);
  }

  length(path: string): string {
    return sym(`n:${path}`);
  }

  slotCount(path: string): number {
    return this.usage.slots.get(path) ?? 0;
  }

  slot(path: string, j: number): string {
    if (j >= this.slotCount(path))
      throw new Error(`list ${path} has ${this.slotCount(path)} slots, not ${j + 1}`);
    return sym(`s:${path}:${j}`);
  }

  private keyIndex(path: string, key: string): number {
    const i = this.usage.keys.get(path)?.indexOf(key) ?? -1;
    if (i < 0) throw new Error(`map ${path} has no modelled key ${JSON.stringify(key)}`);
    return i;
  }

  keyPresent(path: string, key: string): string {
    return sym(`k:${path}:${this.keyIndex(path, key)}`);
  }

  keyValue(path: string, key: string): string {
    return sym(`m:${path}:${this.keyIndex(path, key)}`);
  }

  /** Declarations and the constraints every valid request satisfies. */
  declarations(): string {
    const out: string[] = [];
    const decl = (name: string, sort: string) => out.push(`(declare-const ${name} ${sort})`);
    const assert = (t: string) => {
      if (t !== 'true') out.push(`(assert ${t})`);
    };
    for (const ns of NAMESPACES) if (ns !== 'action') decl(this.present(ns), 'Bool');
    for (const node of this.nodes) {
      const present = this.present(node.path);
      const parent = this.present(node.parent!);
      if (present !== 'true') {
        decl(present, 'Bool');
        assert(app('=>', present, parent));
        if (node.required) assert(app('=>', parent, present));
      }
      const t = node.type;
      if (t.kind === 'record') continue;
      if (t.kind === 'list') {
        const n = this.length(node.path);
        decl(n, 'Int');
        assert(`(and (<= 0 ${n}) (<= ${n} ${MAX_REQUEST_COLLECTION}))`);
        if (isScalar(t.elem)) {
          for (let j = 0; j < this.slotCount(node.path); j++) {
            const s = this.slot(node.path, j);
            decl(s, this.sortFor(t.elem.kind, `${node.path}[]`));
            if (!this.isCoded(`${node.path}[]`)) assert(bound(t.elem.kind, s));
          }
        }
      } else if (t.kind === 'map') {
        const keys = this.usage.keys.get(node.path) ?? [];
        keys.forEach((key) => {
          decl(this.keyPresent(node.path, key), 'Bool');
          if (isScalar(t.value)) {
            const v = this.keyValue(node.path, key);
            decl(v, this.sortFor(t.value.kind, `${node.path}{}`));
            if (!this.isCoded(`${node.path}{}`)) assert(bound(t.value.kind, v));
          }
        });
      } else if (isScalar(t)) {
        const v = this.value(node.path);
        decl(v, this.sortFor(t.kind, node.path));
        if (!this.isCoded(node.path)) assert(bound(t.kind, v));
      }
    }
    return out.join('\n');
  }

  /** Every variable, for `(get-value …)`. */
  variables(): string[] {
    const vars: string[] = [];
    for (const ns of NAMESPACES) if (ns !== 'action') vars.push(this.present(ns));
    for (const node of this.nodes) {
      const present = this.present(node.path);
      if (present !== 'true') vars.push(present);
      const t = node.type;
      if (t.kind === 'list') {
        vars.push(this.length(node.path));
        if (isScalar(t.elem))
          for (let j = 0; j < this.slotCount(node.path); j++) vars.push(this.slot(node.path, j));
      } else if (t.kind === 'map') {
        for (const key of this.usage.keys.get(node.path) ?? []) {
          vars.push(this.keyPresent(node.path, key));
          if (isScalar(t.value)) vars.push(this.keyValue(node.path, key));
        }
      } else if (isScalar(t)) vars.push(this.value(node.path));
    }
    return vars;
  }

  /** Builds the request a model describes. `values` maps each variable to its printed value. */
  decode(values: ReadonlyMap<string, SExpr>): Record<string, unknown> {
    const get = (name: string): SExpr => {
      const v = values.get(name);
      if (v === undefined) throw new Error(`the model has no value for ${name}`);
      return v;
    };
    const isPresent = (path: string) => {
      const p = this.present(path);
      return p === 'true' || readBool(get(p));
    };
    const request: Record<string, unknown> = {};
    const objects = new Map<string, Record<string, unknown>>();
    for (const ns of NAMESPACES) {
      if (!isPresent(ns)) continue;
      const o: Record<string, unknown> = {};
      request[ns] = o;
      objects.set(ns, o);
    }
    for (const node of this.nodes) {
      const parent = objects.get(node.parent!);
      if (parent === undefined || !isPresent(node.path)) continue;
      const name = node.path.slice(node.parent!.length + 1);
      const t = node.type;
      if (t.kind === 'record') {
        const o: Record<string, unknown> = {};
        parent[name] = o;
        objects.set(node.path, o);
      } else if (t.kind === 'list') {
        const n = Number(readInt(get(this.length(node.path))));
        const k = this.slotCount(node.path);
        const elem = t.elem;
        const items: unknown[] = [];
        for (let j = 0; j < n; j++) {
          if (!isScalar(elem)) throw new Error(`cannot decode ${node.path}: elements of type ${elem.kind}`);
          items.push(
            k === 0
              ? defaultValue(elem.kind)
              : this.decodeValue(elem.kind, `${node.path}[]`, get(this.slot(node.path, j < k ? j : 0))),
          );
        }
        parent[name] = items;
      } else if (t.kind === 'map') {
        const o: Record<string, unknown> = {};
        for (const key of this.usage.keys.get(node.path) ?? []) {
          if (!readBool(get(this.keyPresent(node.path, key)))) continue;
          if (!isScalar(t.value))
            throw new Error(`cannot decode ${node.path}: values of type ${t.value.kind}`);
          Object.defineProperty(o, key, {
            value: this.decodeValue(t.value.kind, `${node.path}{}`, get(this.keyValue(node.path, key))),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        parent[name] = o;
      } else if (isScalar(t)) {
        parent[name] = this.decodeValue(t.kind, node.path, get(this.value(node.path)));
      }
    }
    return request;
  }

  /**
   * Constraints that fix every variable to one concrete request (used by the differential test
   * to ask the model for the decision of a known request). Lists need as many slots as elements.
   */
  pin(request: Record<string, unknown>): string {
    this.fresh = new Map();
    const out: string[] = [];
    const eq = (a: string, b: string) => out.push(`(= ${a} ${b})`);
    for (const ns of NAMESPACES) {
      if (ns !== 'action') eq(this.present(ns), boolLit(request[ns] !== undefined));
    }
    const lookup = (path: string): unknown => {
      let o: unknown = request;
      for (const seg of path.split('.')) {
        if (typeof o !== 'object' || o === null || !Object.hasOwn(o, seg)) return undefined;
        o = (o as Record<string, unknown>)[seg];
      }
      return o;
    };
    for (const node of this.nodes) {
      const v = lookup(node.path);
      const present = this.present(node.path);
      if (present !== 'true') eq(present, boolLit(v !== undefined));
      if (v === undefined) continue;
      const t = node.type;
      if (t.kind === 'list' && isScalar(t.elem)) {
        const items = v as unknown[];
        eq(this.length(node.path), intLit(items.length));
        if (items.length > this.slotCount(node.path)) throw new Error(`${node.path}: too few slots to pin`);
        for (const [j, x] of items.entries()) {
          eq(this.slot(node.path, j), this.encodeValue(t.elem.kind as ScalarKind, `${node.path}[]`, x));
        }
      } else if (t.kind === 'map' && isScalar(t.value)) {
        const o = v as Record<string, unknown>;
        for (const key of this.usage.keys.get(node.path) ?? []) {
          const has = Object.hasOwn(o, key);
          eq(this.keyPresent(node.path, key), boolLit(has));
          if (has)
            eq(this.keyValue(node.path, key), this.encodeValue(t.value.kind, `${node.path}{}`, o[key]));
        }
      } else if (isScalar(t)) {
        eq(this.value(node.path), this.encodeValue(t.kind, node.path, v));
      }
    }
    return app('and', ...out);
  }

  /** A constraint excluding −0.0 from every double the request carries (for readable witnesses). */
  noNegativeZero(): string {
    const terms: string[] = [];
    const notNegZero = (v: string) => `(not (and (fp.isZero ${v}) (fp.isNegative ${v})))`;
    for (const node of this.nodes) {
      const t = node.type;
      if (t.kind === 'double') terms.push(notNegZero(this.value(node.path)));
      if (t.kind === 'list' && t.elem.kind === 'double')
        for (let j = 0; j < this.slotCount(node.path); j++) terms.push(notNegZero(this.slot(node.path, j)));
      if (t.kind === 'map' && t.value.kind === 'double')
        for (const key of this.usage.keys.get(node.path) ?? [])
          terms.push(notNegZero(this.keyValue(node.path, key)));
    }
    return app('and', ...terms);
  }
}

/** The shared definition of the types the solver models (src/policy/cel-subset-analyzer.ts). */
export const isScalar = isVerifiableScalar;

/** The request format's bounds on one value. */
function bound(kind: ScalarKind, v: string): string {
  switch (kind) {
    case 'int':
      return `(and (<= ${intLit(-MAX_SAFE)} ${v}) (<= ${v} ${intLit(MAX_SAFE)}))`;
    case 'double':
      return `(not (or (fp.isNaN ${v}) (fp.isInfinite ${v})))`;
    case 'string':
      // Characters are UTF-16 code units: the Z3 adapter runs with `encoding=bmp` (max U+FFFF).
      return 'true';
    case 'timestamp':
      return `(and (<= ${intLit(TIMESTAMP_MIN)} ${v}) (<= ${v} ${intLit(TIMESTAMP_MAX)}))`;
    default:
      return 'true';
  }
}

function defaultValue(kind: ScalarKind): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'timestamp':
      return formatTimestamp(0n);
    default:
      return 0;
  }
}

function decodeScalar(kind: ScalarKind, e: SExpr): unknown {
  switch (kind) {
    case 'string':
      return readString(e);
    case 'bool':
      return readBool(e);
    case 'double':
      return readDouble(e);
    case 'int':
      return Number(readInt(e));
    case 'timestamp':
      return formatTimestamp(readInt(e));
  }
}

/** A request value as a solver literal (ints are JSON numbers; timestamps RFC 3339 strings). */
export function encodeScalar(kind: ScalarKind, v: unknown): string {
  switch (kind) {
    case 'string':
      return stringLit(v as string);
    case 'bool':
      return boolLit(v as boolean);
    case 'double':
      return doubleLit(v as number);
    case 'int':
      return intLit(BigInt(v as number));
    case 'timestamp':
      return intLit(timestampNanos(v as string));
  }
}

/** RFC 3339 text for nanoseconds since the epoch (UTC, nine fraction digits when needed). */
export function formatTimestamp(ns: bigint): string {
  let sec = ns / SECOND;
  let frac = ns % SECOND;
  if (frac < 0n) {
    frac += SECOND;
    sec -= 1n;
  }
  const iso = new Date(Number(sec) * 1000).toISOString().replace('.000Z', '');
  return frac === 0n ? `${iso}Z` : `${iso}.${frac.toString().padStart(9, '0')}Z`;
}

function timestampNanos(s: string): bigint {
  const ns = parseTimestamp(s);
  if (ns === undefined) throw new Error(`not a timestamp: ${s}`);
  return ns;
}
