/**
 * The vocabulary: the typed attributes a decision request may carry, grouped under the four
 * request namespaces. Parsed from its JSON/YAML object form:
 *
 * @example
 * parseVocabulary({ attributes: {
 *   'action.amount': { type: 'double' },
 *   'principal.roles': { type: 'list<string>', required: true },
 *   'context.tags': 'map<string,string>',
 * } });
 */
import type { FieldError } from '../kernel/errors.js';
import {
  type CelType,
  formatType,
  parseTypeText,
  type RecordField,
  type RecordType,
  T,
} from './cel-types.js';
import { policyErrors } from './errors.js';

export const NAMESPACES = ['principal', 'action', 'resource', 'context'] as const;
export type Namespace = (typeof NAMESPACES)[number];

export interface AttributeDecl {
  readonly path: string;
  readonly type: CelType;
  readonly required: boolean;
  readonly description?: string;
}

export interface Vocabulary {
  /** Leaf attributes by dotted path (always includes `action.type`). */
  readonly attributes: ReadonlyMap<string, AttributeDecl>;
  /** One record type per namespace; nested paths become nested records. */
  readonly roots: Readonly<Record<Namespace, RecordType>>;
}

/** The JSON form of a vocabulary (as embedded in a constitution). */
export interface VocabularyInput {
  readonly attributes: Readonly<
    Record<
      string,
      string | { readonly type: string; readonly required?: boolean; readonly description?: string }
    >
  >;
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// CEL reserved words cannot follow a dot; Object.prototype names would alias JS internals.
const RESERVED = new Set([
  ...'as break const continue else false for function if import in let loop package namespace null return true var void while'.split(
    ' ',
  ),
  ...Object.getOwnPropertyNames(Object.prototype),
]);

export function pointerEscape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validates and builds a vocabulary; throws `VOCABULARY_INVALID` listing every problem with a JSON pointer. */
export function parseVocabulary(input: unknown): Vocabulary {
  const errors: FieldError[] = [];
  const attrs = new Map<string, AttributeDecl>();
  attrs.set('action.type', {
    path: 'action.type',
    type: T.string,
    required: true,
    description: 'Action type',
  });
  const raw = (input as { attributes?: unknown } | null)?.attributes;
  if (
    typeof input !== 'object' ||
    input === null ||
    typeof raw !== 'object' ||
    raw === null ||
    Array.isArray(raw)
  ) {
    errors.push({
      pointer: '/attributes',
      detail: 'vocabulary must be an object with an `attributes` object',
    });
  } else {
    for (const [path, spec] of Object.entries(raw as Record<string, unknown>)) {
      const ptr = `/attributes/${pointerEscape(path)}`;
      const decl = parseAttribute(path, spec, ptr, errors);
      if (decl === undefined) continue;
      if (path === 'action.type' && decl.type.kind !== 'string') {
        errors.push({ pointer: `${ptr}/type`, detail: 'action.type must be a string' });
        continue;
      }
      attrs.set(path, path === 'action.type' ? { ...decl, required: true } : decl);
    }
  }
  const roots = buildRecords(attrs, errors);
  if (errors.length > 0) {
    throw policyErrors.create(
      'VOCABULARY_INVALID',
      `vocabulary has ${errors.length} error(s): ${errors[0]!.detail}`,
      {
        errors,
      },
    );
  }
  return { attributes: attrs, roots };
}

function parseAttribute(
  path: string,
  spec: unknown,
  ptr: string,
  errors: FieldError[],
): AttributeDecl | undefined {
  const segments = path.split('.');
  if (segments.length < 2 || !(NAMESPACES as readonly string[]).includes(segments[0]!)) {
    errors.push({
      pointer: ptr,
      detail: `attribute '${path}' must start with one of ${NAMESPACES.join(', ')}`,
    });
    return undefined;
  }
  for (const seg of segments.slice(1)) {
    if (!SEGMENT.test(seg) || RESERVED.has(seg)) {
      errors.push({
        pointer: ptr,
        detail: `attribute '${path}': '${seg}' is not a valid or allowed field name`,
      });
      return undefined;
    }
  }
  const obj = typeof spec === 'string' ? { type: spec } : spec;
  if (typeof obj !== 'object' || obj === null || typeof (obj as { type?: unknown }).type !== 'string') {
    errors.push({ pointer: ptr, detail: `attribute '${path}' needs a 'type' string` });
    return undefined;
  }
  const { type, required, description, ...rest } = obj as Record<string, unknown>;
  for (const k of Object.keys(rest))
    errors.push({ pointer: `${ptr}/${pointerEscape(k)}`, detail: `unknown field '${k}'` });
  const parsed = parseTypeText(type as string);
  if (typeof parsed === 'string') {
    errors.push({ pointer: `${ptr}/type`, detail: parsed });
    return undefined;
  }
  if (required !== undefined && typeof required !== 'boolean') {
    errors.push({ pointer: `${ptr}/required`, detail: 'required must be a boolean' });
  }
  if (description !== undefined && typeof description !== 'string') {
    errors.push({ pointer: `${ptr}/description`, detail: 'description must be a string' });
  }
  return {
    path,
    type: parsed,
    required: required === true,
    ...(typeof description === 'string' ? { description } : {}),
  };
}

interface Node {
  leaf?: AttributeDecl;
  children: Map<string, Node>;
}

function buildRecords(
  attrs: ReadonlyMap<string, AttributeDecl>,
  errors: FieldError[],
): Record<Namespace, RecordType> {
  const tree = new Map<string, Node>(NAMESPACES.map((ns) => [ns, { children: new Map() }]));
  for (const decl of attrs.values()) {
    const segs = decl.path.split('.');
    let node = tree.get(segs[0]!)!;
    for (const seg of segs.slice(1)) {
      let child = node.children.get(seg);
      if (child === undefined) {
        child = { children: new Map() };
        node.children.set(seg, child);
      }
      node = child;
    }
    node.leaf = decl;
  }
  const toRecord = (name: string, node: Node): RecordType => {
    const fields = new Map<string, RecordField>();
    for (const [seg, child] of node.children) {
      const path = `${name}.${seg}`;
      if (child.leaf !== undefined && child.children.size > 0) {
        errors.push({
          pointer: `/attributes/${pointerEscape(path)}`,
          detail: `'${path}' is declared as ${formatType(child.leaf.type)} and also has nested attributes`,
        });
        continue;
      }
      if (child.leaf !== undefined) {
        fields.set(seg, { path, type: child.leaf.type, required: child.leaf.required });
      } else {
        const rec = toRecord(path, child);
        fields.set(seg, { path, type: rec, required: [...rec.fields.values()].some((f) => f.required) });
      }
    }
    return { kind: 'record', name, fields };
  };
  return Object.fromEntries(NAMESPACES.map((ns) => [ns, toRecord(ns, tree.get(ns)!)])) as Record<
    Namespace,
    RecordType
  >;
}
