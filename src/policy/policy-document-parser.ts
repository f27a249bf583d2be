/**
 * Parses policy documents (YAML or JSON text) into policies, keeping source positions: every
 * structural error gets the file, line and column of the offending field, and each policy keeps
 * a map from offsets in its condition to positions in the file. Pure: text in, data out.
 */
import { type Document, isScalar, LineCounter, parseAllDocuments, parseDocument, type Scalar } from 'yaml';
import type { SourceLocation } from '../kernel/errors.js';
import { type PolicyErrorCode, policyErrors } from './errors.js';
import { LIMITS } from './policy-limits.js';
import { type Policy, validatePolicyObject } from './policy-model.js';
import { parseVocabulary, type Vocabulary } from './vocabulary-parser.js';
import { yamlNodeAt, yamlScalarPosition } from './yaml-source-map.js';

/** One problem found while loading or checking policies. */
export interface PolicyDiagnostic {
  readonly code: PolicyErrorCode;
  readonly message: string;
  /** JSON pointer inside the document (or the policy object). */
  readonly pointer: string;
  readonly location?: SourceLocation;
  readonly policyId?: string;
}

/** A policy with where it came from. */
export interface SourcedPolicy {
  readonly policy: Policy;
  readonly source?: {
    readonly file?: string;
    readonly line: number;
    readonly column: number;
    /** Position in the file of an offset inside the condition text. */
    readonly conditionLocation?: (offset: number) => SourceLocation;
  };
}

export interface ParsedDocument {
  readonly policies: SourcedPolicy[];
  readonly diagnostics: PolicyDiagnostic[];
}

/** Largest policy document accepted, in characters. */
export const MAX_DOCUMENT_CHARS = 2_000_000;

/**
 * Parses a YAML or JSON policy document. A document holds one policy object, a list of them,
 * or `{ policies: [...] }`; YAML files may hold several documents separated by `---`.
 */
export function parsePolicyDocument(text: string, options: { readonly file?: string } = {}): ParsedDocument {
  const file = options.file;
  const policies: SourcedPolicy[] = [];
  const diagnostics: PolicyDiagnostic[] = [];
  const lines = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return file === undefined ? { line, column: col } : { file, line, column: col };
  };
  if (text.length > MAX_DOCUMENT_CHARS) {
    diagnostics.push({
      code: 'POLICY_LIMIT_EXCEEDED',
      message: `document has ${text.length} characters; the limit is ${MAX_DOCUMENT_CHARS}`,
      pointer: '',
      location: file === undefined ? { line: 1, column: 1 } : { file, line: 1, column: 1 },
    });
    return { policies, diagnostics };
  }
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
      logLevel: 'error',
    }) as Document.Parsed[];
  } catch (e) {
    diagnostics.push({ code: 'POLICY_PARSE_ERROR', message: String(e), pointer: '', location: at(0) });
    return { policies, diagnostics };
  }
  if (!Array.isArray(docs)) docs = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        diagnostics.push({
          code: 'POLICY_PARSE_ERROR',
          message: e.message.split('\n')[0]!,
          pointer: '',
          location: at(e.pos[0]),
        });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      diagnostics.push({
        code: 'POLICY_PARSE_ERROR',
        message: (e as Error).message,
        pointer: '',
        location: at(0),
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    const { items, base } = policyItems(value);
    if (items === undefined) {
      diagnostics.push({
        code: 'POLICY_INVALID',
        message: 'a policy document holds a policy object, a list of policies, or { policies: [...] }',
        pointer: '',
        location: at(doc.contents?.range?.[0] ?? 0),
      });
      continue;
    }
    if (items.length > LIMITS.policiesPerDocument) {
      diagnostics.push({
        code: 'POLICY_LIMIT_EXCEEDED',
        message: `document has ${items.length} policies; the limit is ${LIMITS.policiesPerDocument}`,
        pointer: base,
        location: at(0),
      });
      continue;
    }
    items.forEach((item, i) => {
      const pointer = Array.isArray(value) || base !== '' ? `${base}/${i}` : '';
      const result = validatePolicyObject(item, pointer);
      const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
      for (const e of result.errors) {
        diagnostics.push({
          code: 'POLICY_INVALID',
          message: e.message,
          pointer: e.pointer,
          location: at(offsetOf(doc, e.pointer)),
          ...(id === undefined ? {} : { policyId: id }),
        });
      }
      if (result.policy === undefined) return;
      const start = at(offsetOf(doc, pointer));
      const condNode = yamlNodeAt(doc, `${pointer}/condition`);
      policies.push({
        policy: result.policy,
        source: {
          ...start,
          ...(isScalar(condNode) ? { conditionLocation: conditionMapper(condNode, text, at) } : {}),
        },
      });
    });
  }
  return { policies, diagnostics };
}

function policyItems(value: unknown): { items?: unknown[]; base: string } {
  if (Array.isArray(value)) return { items: value, base: '' };
  if (typeof value === 'object' && value !== null && 'policies' in value) {
    const p = (value as { policies: unknown }).policies;
    return Array.isArray(p) ? { items: p, base: '/policies' } : { base: '' };
  }
  if (typeof value === 'object' && value !== null) return { items: [value], base: '' };
  return { base: '' };
}

function offsetOf(doc: Document, pointer: string): number {
  return yamlNodeAt(doc, pointer)?.range?.[0] ?? 0;
}

/** Maps offsets in a condition scalar's value to file positions (exact for plain, quoted and block scalars). */
function conditionMapper(
  node: Scalar,
  text: string,
  at: (offset: number) => SourceLocation,
): (offset: number) => SourceLocation {
  return (offset) => yamlScalarPosition(node, text, offset, at);
}

/** Parses a vocabulary document (YAML or JSON); errors carry file positions. */
export function parseVocabularyDocument(
  text: string,
  options: { readonly file?: string } = {},
): { readonly vocabulary?: Vocabulary; readonly diagnostics: PolicyDiagnostic[] } {
  const file = options.file;
  const lines = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    return file === undefined ? { line, column: col } : { file, line, column: col };
  };
  const diagnostics: PolicyDiagnostic[] = [];
  if (text.length > MAX_DOCUMENT_CHARS) {
    diagnostics.push({
      code: 'POLICY_LIMIT_EXCEEDED',
      message: 'vocabulary document too large',
      pointer: '',
      location: at(0),
    });
    return { diagnostics };
  }
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      diagnostics.push({
        code: 'POLICY_PARSE_ERROR',
        message: e.message.split('\n')[0]!,
        pointer: '',
        location: at(e.pos[0]),
      });
    }
    return { diagnostics };
  }
  try {
    return { vocabulary: parseVocabulary(doc.toJS({ maxAliasCount: 50 })), diagnostics };
  } catch (e) {
    if (policyErrors.is(e, 'VOCABULARY_INVALID')) {
      for (const fe of e.errors ?? []) {
        diagnostics.push({
          code: 'VOCABULARY_INVALID',
          message: fe.detail,
          pointer: fe.pointer,
          location: at(offsetOf(doc, fe.pointer)),
        });
      }
    } else {
      diagnostics.push({
        code: 'POLICY_PARSE_ERROR',
        message: (e as Error).message,
        pointer: '',
        location: at(0),
      });
    }
    return { diagnostics };
  }
}
