import { defineErrors } from '../kernel/errors.js';

/** Errors of backup, restore and the disaster-recovery drill (docs/backup.md). */
export const opsErrors = defineErrors({
  BACKUP_KEY_MISSING: { status: 400, title: 'No backup key is configured' },
  BACKUP_KEY_INVALID: { status: 400, title: 'The backup key is not 32 bytes of base64 or hex' },
  BACKUP_KEY_WRONG: { status: 400, title: 'The archive was written with another key' },
  BACKUP_ARCHIVE_MALFORMED: { status: 400, title: 'The file is not an ACGS backup archive' },
  BACKUP_ARCHIVE_TAMPERED: { status: 400, title: 'The archive failed authentication' },
  BACKUP_TARGET_NOT_EMPTY: { status: 409, title: 'The restore target already holds data' },
  BACKUP_DIALECT_MISMATCH: { status: 400, title: 'The archive is of another database dialect' },
  BACKUP_ROOT_MISMATCH: { status: 409, title: 'The restored log does not match the manifest' },
  BACKUP_TOOL_FAILED: { status: 500, title: 'An external database tool failed' },
  BACKUP_NO_LOG: { status: 400, title: 'The database holds no integrity log' },
  DR_DRILL_FAILED: { status: 500, title: 'The disaster-recovery drill failed' },
});

export type OpsErrorCode = keyof typeof opsErrors.specs;
