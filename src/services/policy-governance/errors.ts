/** The Policy Governance Compiler's error catalogue (codes `PGC_*`). */
import { defineErrors } from '../../kernel/errors.js';

export const pgcErrors = defineErrors({
  PGC_POLICY_INVALID: { status: 400, title: 'Policy is not valid' },
  PGC_DRAFT_NOT_FOUND: { status: 404, title: 'No such policy draft' },
  PGC_DRAFT_CONFLICT: { status: 409, title: 'The draft was changed by someone else' },
  PGC_DRAFT_EXISTS: { status: 409, title: 'A draft with this policy id exists' },
  PGC_BUNDLE_NOT_FOUND: { status: 404, title: 'No such bundle' },
  PGC_BUNDLE_EMPTY: { status: 400, title: 'A bundle needs at least one policy' },
  PGC_BUNDLE_SIGNATURE_INVALID: { status: 500, title: 'Stored bundle signature does not verify' },
  PGC_CONSTITUTION_NOT_ACTIVE: {
    status: 409,
    title: 'The bundle targets a constitution version that is not the active one',
  },
  PGC_NO_CONSTITUTION: { status: 409, title: 'No constitution version is published yet' },
  PGC_SUITE_NOT_FOUND: { status: 400, title: 'No such scenario suite in the constitution' },
  PGC_ACTIVATION_REFUSED: { status: 422, title: 'The bundle failed an activation gate' },
  PGC_NO_ACTIVE_BUNDLE: { status: 503, title: 'No policy bundle is active', retryAfterSeconds: 1 },
  PGC_VERIFIER_UNAVAILABLE: {
    status: 503,
    title: 'The formal verifier cannot be reached',
    retryAfterSeconds: 5,
  },
  PGC_PRINCIPAL_MISMATCH: {
    status: 403,
    title: 'The request names another principal than the credential speaks for',
  },
  PGC_BATCH_TOO_LARGE: { status: 413, title: 'Too many requests in one batch' },
  PGC_DECISION_NOT_LOGGED: { status: 503, title: 'The decision could not be logged', retryAfterSeconds: 1 },
  PGC_COUNCIL_REQUIRED: {
    status: 409,
    title: 'A council is seated: activate through a council proposal (or break glass for a proved narrowing)',
  },
  PGC_ENACTMENT_UNAUTHORIZED: { status: 409, title: 'No passed council proposal authorises this activation' },
  PGC_POLICY_NOT_ACTIVE: { status: 404, title: 'The policy is not in the active bundle' },
});

export type PgcErrorCode = keyof typeof pgcErrors.specs;
