/** The Formal Verification service's error catalogue (codes `VERIFICATION_*`). */
import { defineErrors } from '../../kernel/errors.js';

export const verificationErrors = defineErrors({
  VERIFICATION_POLICY_INVALID: { status: 400, title: 'The policy set does not check' },
  VERIFICATION_INVARIANT_INVALID: {
    status: 400,
    title: 'An invariant does not check against the vocabulary',
  },
  VERIFICATION_SET_TOO_LARGE: { status: 413, title: 'The policy set is larger than the verifier accepts' },
  VERIFICATION_CONSTITUTION_NOT_FOUND: { status: 404, title: 'No constitution version has this hash' },
  VERIFICATION_JOB_NOT_FOUND: { status: 404, title: 'No such verification job' },
  VERIFICATION_JOBS_FULL: {
    status: 503,
    title: 'Too many verification jobs are waiting or running here',
    retryAfterSeconds: 5,
  },
  VERIFICATION_BUSY: { status: 503, title: 'Too many verifications are running', retryAfterSeconds: 5 },
  VERIFICATION_UNAVAILABLE: { status: 503, title: 'The verifier cannot be reached', retryAfterSeconds: 5 },
});

export type VerificationErrorCode = keyof typeof verificationErrors.specs;
