import { defineErrors } from '../../kernel/errors.js';

/**
 * The Integrity service's error catalogue. Errors of the pure Merkle library (`LOG_RANGE_INVALID`,
 * `LOG_ENTRY_MALFORMED`, …) come from `src/merkle/errors.ts` and reach clients unchanged.
 */
export const integrityErrors = defineErrors({
  LOG_PUSHBACK: { status: 503, title: 'The log is busy', retryAfterSeconds: 1 },
  LOG_APPEND_PENDING: { status: 503, title: 'Append accepted but not yet integrated', retryAfterSeconds: 1 },
  LOG_ENTRY_NOT_FOUND: { status: 404, title: 'No such log entry' },
  LOG_SIZE_UNAVAILABLE: { status: 400, title: 'Tree size is beyond the log' },
  LOG_NO_CHECKPOINT: { status: 404, title: 'The log has no checkpoint yet' },
  LOG_CONFIG_INVALID: { status: 500, title: 'Log configuration is not valid' },
  LOG_FORKED: { status: 500, title: 'Another sequencer wrote the log' },
  /** Between the store and the sequencer only: the sequencer looks the keys up and places the batch again. */
  LOG_KEY_TAKEN: { status: 500, title: 'An append key of the batch is already logged' },
  LOG_STOPPED: { status: 503, title: 'The log is shutting down', retryAfterSeconds: 1 },
  LOG_DEPENDENCY_FAILED: { status: 503, title: 'The log service is unavailable', retryAfterSeconds: 1 },
  LOG_INTEGRITY_FAILED: { status: 500, title: 'Stored log data does not match its hashes' },
  LOG_SOURCE_MISMATCH: { status: 403, title: 'An entry’s source must be the service that writes it' },
  LOG_TIME_OUT_OF_RANGE: { status: 400, title: 'The entry’s time is too far from the log’s clock' },
  LOG_ENTRY_TOO_DEEP: { status: 400, title: 'The entry’s payload is nested too deeply' },
  LOG_ENTRY_TOO_LARGE: { status: 413, title: 'The entry is too large' },
});

export type IntegrityErrorCode = keyof typeof integrityErrors.specs;
