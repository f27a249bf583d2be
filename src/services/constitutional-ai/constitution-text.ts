/**
 * Constitution documents as text: YAML (or JSON, which YAML reads too) in, with every error
 * located by line and column; YAML out. Export then import gives back the same normalized
 * document, hence the same hash.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  stringify,
} from 'yaml';
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import type { FieldError, SourceLocation } from '../../kernel/errors.js';
import { type SourceMap, type ValidationResult, validateConstitution } from './constitution-validator.js';

/** Largest constitution text accepted, in characters. */
export const MAX_CONSTITUTION_CHARS = 4_000_000;

export type ParsedConstitution = ValidationResult & { readonly value?: unknown };

/** Parses and validates a constitution from YAML or JSON text. */
export function parseConstitutionText(
  text: string,
  options: { readonly file?: string } = {},
): ParsedConstitution {
  const lines = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return options.file === undefined ? { line, column: col } : { file: options.file, line, column: col };
  };
  const failure = (errors: FieldError[]): ParsedConstitution => ({ ok: false, errors });
  if (text.length > MAX_CONSTITUTION_CHARS) {
    return failure([
      {
        pointer: '',
        detail: `the text has ${text.length} characters; the limit is ${MAX_CONSTITUTION_CHARS}`,
        location: at(0),
      },
    ]);
  }
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    return failure(
      doc.errors.map((e) => ({ pointer: '', detail: e.message.split('\n')[0]!, location: at(e.pos[0]) })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return failure([{ pointer: '', detail: (e as Error).message, location: at(0) }]);
  }
  const result = validateConstitution(value, sourceMapOf(doc, text, at));
  return { ...result, value };
}

/** The YAML form of a normalized document (what `GET …/export` and `acgs constitution` write). */
export function constitutionToYaml(document: ConstitutionDocument, header?: string): string {
  const body = stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
  return header === undefined
    ? body
    : `${header
        .split('\n')
        .map((l) => `# ${l}`.trimEnd())
        .join('\n')}\n${body}`;
}

function sourceMapOf(doc: Document, text: string, at: (offset: number) => SourceLocation): SourceMap {
  return {
    at(pointer) {
      const node = nodeAt(doc, pointer);
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : at(offset);
    },
    inString(pointer, offset) {
      const node = nodeAt(doc, pointer);
      if (!isScalar(node) || typeof node.value !== 'string') return undefined;
      return positionInScalar(node, text, offset, at);
    },
  };
}

function decode(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The node at a pointer; for a missing member, the deepest node on the path that exists. */
function nodeAt(doc: Document, pointer: string): Node | undefined {
  let node = doc.contents as Node | null;
  let found: Node | undefined = node ?? undefined;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = decode(raw);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) break;
      found = (pair.value as Node | null) ?? (pair.key as Node);
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (item === undefined) break;
      found = item;
      node = item;
    } else {
      break;
    }
  }
  return found;
}

/** Maps an offset inside a scalar's value to the file (exact for plain, quoted and block scalars). */
function positionInScalar(
  node: Scalar,
  text: string,
  offset: number,
  at: (offset: number) => SourceLocation,
): SourceLocation {
  const start = node.range?.[0] ?? 0;
  const value = String(node.value);
  const before = value.slice(0, offset);
  const lineIndex = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1);
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    let pos = text.indexOf('\n', start) + 1;
    const indent = /^[ ]*/.exec(text.slice(pos, pos + 200))?.[0].length ?? 0;
    for (let i = 0; i < lineIndex && pos > 0; i++) pos = text.indexOf('\n', pos) + 1;
    return at(pos + indent + column);
  }
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  if (lineIndex === 0) return at(start + quoted + column);
  const first = at(start);
  return { ...first, line: first.line + lineIndex, column: column + 1 };
}
