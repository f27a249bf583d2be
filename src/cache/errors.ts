import { defineErrors } from '../kernel/errors.js';

/** Errors raised by the cache layer. */
export const cacheErrors = defineErrors({
  CACHE_UNAVAILABLE: { status: 503, title: 'Cache is unavailable', retryAfterSeconds: 1 },
  CACHE_NOT_A_COUNTER: { status: 500, title: 'Cache key does not hold a counter' },
  CACHE_ARGUMENT_INVALID: { status: 500, title: 'Cache argument is not valid' },
});

/** Rejects TTLs and windows that are not positive whole milliseconds. */
/** Throws CACHE_ARGUMENT_INVALID unless `value` is a positive safe integer (an increment step). */
export function assertPositiveCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw cacheErrors.create('CACHE_ARGUMENT_INVALID', `${name} must be a positive whole number`, {
      details: { [name]: value },
    });
  }
}

export function assertPositiveMs(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw cacheErrors.create('CACHE_ARGUMENT_INVALID', `${name} must be a positive whole number of ms`, {
      details: { [name]: value },
    });
  }
}
