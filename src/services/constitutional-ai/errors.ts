/** The Constitutional AI service's error catalogue (codes `CONSTITUTION_*`). */
import { defineErrors } from '../../kernel/errors.js';

export const constitutionErrors = defineErrors({
  CONSTITUTION_INVALID: { status: 400, title: 'Constitution is not valid' },
  CONSTITUTION_PARSE_ERROR: { status: 400, title: 'Constitution text could not be parsed' },
  CONSTITUTION_VERSION_NOT_FOUND: { status: 404, title: 'No such constitution version' },
  CONSTITUTION_DRAFT_NOT_FOUND: { status: 404, title: 'No such constitution draft' },
  CONSTITUTION_SUITE_NOT_FOUND: { status: 404, title: 'No such scenario suite' },
  CONSTITUTION_NOT_PUBLISHED: { status: 404, title: 'No constitution version is published yet' },
  CONSTITUTION_VERSION_IMMUTABLE: { status: 409, title: 'Published versions cannot be changed' },
  CONSTITUTION_VERSION_EXISTS: { status: 409, title: 'This constitution is already published' },
  CONSTITUTION_DRAFT_CONFLICT: { status: 409, title: 'The draft was changed by someone else' },
  CONSTITUTION_ALREADY_BOOTSTRAPPED: { status: 409, title: 'A constitution is already published' },
  CONSTITUTION_ENACTMENT_UNAUTHORIZED: {
    status: 409,
    title: 'No passed council proposal authorises this enactment',
  },
});

export type ConstitutionErrorCode = keyof typeof constitutionErrors.specs;
