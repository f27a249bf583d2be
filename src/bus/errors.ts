import { defineErrors } from '../kernel/errors.js';

/** Errors raised by the event bus. */
export const busErrors = defineErrors({
  BUS_UNAVAILABLE: { status: 503, title: 'Event bus is unavailable', retryAfterSeconds: 1 },
  BUS_SUBJECT_INVALID: { status: 500, title: 'Event subject is not valid' },
  BUS_OPTIONS_INVALID: { status: 500, title: 'Event bus options are not valid' },
});
