import { defineErrors } from '../kernel/errors.js';

/** Errors raised by the storage layer. */
export const storageErrors = defineErrors({
  STORAGE_URL_INVALID: { status: 500, title: 'Database URL is not valid' },
  STORAGE_UNAVAILABLE: { status: 503, title: 'Database is unavailable', retryAfterSeconds: 1 },
  STORAGE_MIGRATION_FAILED: { status: 500, title: 'Database migration failed' },
  STORAGE_OWNER_INVALID: { status: 500, title: 'Migration owner name is not valid' },
});
