/**
 * The part of a mapping file shared by the integrations (the external authorization endpoint and
 * the MCP gateway): how a request's attributes are filled from what arrives (an HTTP header, a
 * path parameter, a tool argument), checked against the constitution's vocabulary when the file
 * is loaded, so that a mapping naming an attribute the constitution does not know is refused at
 * start with its file and line, never at the first request.
 *
 * An attribute block maps `<namespace>: { <attribute>: <value> }`, where the value is a literal
 * (`type: order`) or `{ from: <source> }` (`{ from: header:x-amount }`, `{ from: arg:amount }`).
 * A value taken from text (headers, paths) is converted to the vocabulary's type of the attribute.
 */
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { CelType } from '../policy/cel-types.js';
import { formatType } from '../policy/cel-types.js';
import type { Vocabulary } from '../policy/vocabulary-parser.js';
import { yamlNodeAt } from '../policy/yaml-source-map.js';

export const NAMESPACES = ['principal', 'action', 'resource', 'context'] as const;

/** A problem in a mapping file, with where it is. */
export interface MappingProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Refusal to start: every problem of the file, each `file:line:column: message`. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(readonly problems: readonly MappingProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  }
}

/** Where a value comes from: `header:<name>`, `param:<name>`, `query:<name>`, `arg:<dotted path>`, `method`, `path`, `tool`. */
export interface ValueSource {
  readonly kind: string;
  readonly name: string;
}

export type ValueSpec =
  | { readonly literal: unknown }
  | { readonly from: ValueSource; readonly required: boolean };

/** One attribute to fill: its dotted path, the vocabulary's type, and where its value comes from. */
export interface AttributeRule {
  readonly path: string;
  readonly type: CelType;
  readonly value: ValueSpec;
}

/** A parsed YAML mapping file, with the means to report problems at a JSON pointer. */
export class MappingSource {
  readonly problems: MappingProblem[] = [];
  private readonly lines = new LineCounter();
  readonly doc: Document;
  readonly value: unknown;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    for (const error of this.doc.errors) {
      const at = this.lines.linePos(error.pos[0]);
      this.problems.push({ file, line: at.line, column: at.col, message: error.message });
    }
    this.value = this.doc.toJS();
  }

  /** Records a problem at the node a JSON pointer names (the nearest existing one). */
  report(pointer: string, message: string): void {
    const node = yamlNodeAt(this.doc, pointer);
    const at = this.lines.linePos(node?.range?.[0] ?? 0);
    this.problems.push({ file: this.file, line: at.line, column: at.col, message });
  }

  /** Throws `MappingError` when any problem was recorded. */
  throwIfProblems(): void {
    if (this.problems.length > 0) throw new MappingError(this.problems);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function literalFits(value: unknown, type: CelType): boolean {
  switch (type.kind) {
    case 'string':
    case 'timestamp':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value) && value.every((item) => literalFits(item, type.elem));
    case 'map':
      return isRecord(value);
    default:
      return true;
  }
}

/**
 * Reads an attribute block (`{action: {type: …, amount: {from: …}}, …}`) at `pointer`, checking
 * each attribute against the vocabulary and each source against `sources` (the kinds this
 * integration offers). Problems go to `source`; the rules of the valid entries are returned.
 */
export function readAttributeBlock(
  source: MappingSource,
  block: unknown,
  pointer: string,
  vocabulary: Vocabulary,
  sources: ReadonlySet<string>,
): AttributeRule[] {
  const rules: AttributeRule[] = [];
  if (block === undefined || block === null) return rules;
  if (!isRecord(block)) {
    source.report(pointer, 'expected a map of namespaces (principal, action, resource, context)');
    return rules;
  }
  for (const [namespace, attributes] of Object.entries(block)) {
    if (!(NAMESPACES as readonly string[]).includes(namespace)) {
      source.report(
        `${pointer}/${namespace}`,
        `${namespace}: not a namespace (principal, action, resource, context)`,
      );
      continue;
    }
    if (attributes === undefined || attributes === null) continue;
    const at = `${pointer}/${namespace}`;
    if (!isRecord(attributes)) {
      source.report(at, `${namespace}: expected a map of attributes`);
      continue;
    }
    for (const [name, spec] of Object.entries(attributes)) {
      const path = `${namespace}.${name}`;
      const decl = vocabulary.attributes.get(path);
      if (decl === undefined) {
        source.report(
          `${at}/${name}`,
          `unknown attribute ${path}: the constitution's vocabulary does not declare it`,
        );
        continue;
      }
      const value = readValue(source, spec, `${at}/${name}`, path, decl.type, sources);
      if (value !== undefined) rules.push({ path, type: decl.type, value });
    }
  }
  return rules;
}

function readValue(
  source: MappingSource,
  spec: unknown,
  pointer: string,
  path: string,
  type: CelType,
  sources: ReadonlySet<string>,
): ValueSpec | undefined {
  if (!isRecord(spec) || !('from' in spec)) {
    if (!literalFits(spec, type)) {
      source.report(pointer, `${path} is ${formatType(type)}; ${JSON.stringify(spec)} is not`);
      return undefined;
    }
    return { literal: spec };
  }
  const from = spec.from;
  const match = typeof from === 'string' ? /^([a-z]+)(?::(.+))?$/.exec(from) : null;
  if (match === null || !sources.has(match[1]!)) {
    source.report(
      `${pointer}/from`,
      `${path}: source must be one of ${[...sources].map((s) => `${s}[:name]`).join(', ')}`,
    );
    return undefined;
  }
  const required = spec.required !== false;
  return { from: { kind: match[1]!, name: match[2] ?? '' }, required };
}

/** Converts text (a header, a path segment) to the attribute's type; undefined when it does not parse. */
export function convertText(text: string, type: CelType): unknown {
  switch (type.kind) {
    case 'int':
      return /^-?\d+$/.test(text) ? Number(text) : undefined;
    case 'double': {
      const n = Number(text);
      return text.trim() === '' || !Number.isFinite(n) ? undefined : n;
    }
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
        .map((item) => convertText(item, type.elem));
    default:
      return text;
  }
}

/** Sets `value` at a dotted path inside `target` (creating the objects between). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    if (!isRecord(node[segment])) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}
