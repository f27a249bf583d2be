/** The Governance Synthesis service's error catalogue (codes `SYNTHESIS_*`; docs/synthesis.md, Errors). */
import { defineErrors } from '../../kernel/errors.js';

export const synthesisErrors = defineErrors({
  SYNTHESIS_JOB_INVALID: { status: 400, title: 'The synthesis job is not valid' },
  SYNTHESIS_JOB_NOT_FOUND: { status: 404, title: 'No such synthesis job' },
  SYNTHESIS_JOB_FINISHED: { status: 409, title: 'The job has already finished' },
  SYNTHESIS_PROVIDER_UNAVAILABLE: { status: 422, title: 'This provider is not available' },
  SYNTHESIS_CONSTITUTION_MISMATCH: {
    status: 409,
    title: 'The job names a constitution version other than the active one',
  },
  SYNTHESIS_NO_CONSTITUTION: { status: 409, title: 'No constitution has been published yet' },
  SYNTHESIS_QUEUE_FULL: { status: 503, title: 'The synthesis queue is full', retryAfterSeconds: 5 },
});

export type SynthesisErrorCode = keyof typeof synthesisErrors.specs;
