/**
 * A constitution given in a request body: as a JSON document, or as YAML text (errors then
 * carry the line and column in that text). Throws CONSTITUTION_INVALID with every failing field.
 */
import { parseConstitutionText } from '../constitution-text.js';
import type { ValidatedConstitution } from '../constitution-validator.js';
import { invalidConstitution, validateDocumentOrThrow } from './validate-document.js';

export type DocumentBody = { readonly document: unknown } | { readonly yaml: string };

export function readDocument(body: DocumentBody, base = '/body'): ValidatedConstitution {
  if ('document' in body) return validateDocumentOrThrow(body.document, `${base}/document`);
  const parsed = parseConstitutionText(body.yaml, { file: 'yaml' });
  if (!parsed.ok) throw invalidConstitution(parsed.errors, `${base}/yaml`);
  return parsed;
}
