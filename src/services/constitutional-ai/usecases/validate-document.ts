import type { FieldError } from '../../../kernel/errors.js';
import { type ValidatedConstitution, validateConstitution } from '../constitution-validator.js';
import { constitutionErrors } from '../errors.js';

/**
 * Validates a document given in a request; throws CONSTITUTION_INVALID listing every failing
 * field, each pointer prefixed with where the document sits (e.g. `/body/document`).
 */
export function validateDocumentOrThrow(input: unknown, base: string): ValidatedConstitution {
  const result = validateConstitution(input);
  if (result.ok) return result;
  throw invalidConstitution(result.errors, base);
}

export function invalidConstitution(errors: readonly FieldError[], base: string) {
  const prefixed = errors.map((e) => ({ ...e, pointer: `${base}${e.pointer}` }));
  const first = prefixed[0];
  return constitutionErrors.create(
    'CONSTITUTION_INVALID',
    `the constitution has ${prefixed.length} error(s)${first ? `; first: ${first.pointer || '/'}: ${first.detail}` : ''}`,
    { errors: prefixed, ...(first?.location ? { location: first.location } : {}) },
  );
}
