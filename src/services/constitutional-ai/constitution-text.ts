/**
 * Constitution documents as text: YAML (or JSON, which YAML reads too) in, with every error
 * located by line and column; YAML out. Export then import gives back the same normalized
 * document, hence the same hash.
 */
import { type Document, isScalar, LineCounter, parseDocument, stringify } from 'yaml';
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import type { FieldError, SourceLocation } from '../../kernel/errors.js';
import { yamlNodeAt, yamlScalarPosition } from '../../policy/index.js';
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
      const node = yamlNodeAt(doc, pointer);
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : at(offset);
    },
    inString(pointer, offset) {
      const node = yamlNodeAt(doc, pointer);
      if (!isScalar(node) || typeof node.value !== 'string') return undefined;
      return yamlScalarPosition(node, text, offset, at);
    },
  };
}
