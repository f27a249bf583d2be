/** The policy area's error catalogue (codes `POLICY_*` and `POLICY_REQUEST_INVALID`). */
import { defineErrors } from '../kernel/errors.js';

export const policyErrors = defineErrors({
  POLICY_PARSE_ERROR: { status: 400, title: 'Policy text could not be parsed' },
  POLICY_TYPE_ERROR: { status: 400, title: 'Policy condition does not type-check' },
  POLICY_INVALID: { status: 400, title: 'Policy is not valid' },
  POLICY_LIMIT_EXCEEDED: { status: 400, title: 'Policy exceeds a language limit' },
  VOCABULARY_INVALID: { status: 400, title: 'Vocabulary is not valid' },
  POLICY_REQUEST_INVALID: { status: 400, title: 'Decision request does not match the vocabulary' },
});

export type PolicyErrorCode = keyof typeof policyErrors.specs;
