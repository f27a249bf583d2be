import type { Kysely, Migration } from 'kysely';
import type { JobLeaseColumns } from '../../kit/job-view.js';
import { createJobTable, LeasedJobRows } from '../../kit/leased-job-rows.js';
import type { Database } from '../../storage/database.js';

/**
 * The Formal Verification service's table (docs/verification.md, "Jobs"): `fv_jobs`, one row per
 * verification job with its request, the report or failure, and the lease of the process
 * running it. A job is written before the 202 that acknowledges it, so a restart finds every
 * accepted job; reports themselves are not stored here beyond the job's life (an hour after it
 * finishes).
 */
export interface VerificationJobsTable extends JobLeaseColumns {
  status: VerificationJobStatus;
  /** The VerifyRequest, JSON. */
  request: string;
  /** The VerificationReport, JSON, once done. */
  report: string | null;
  /** `{ code, message }`, JSON, once failed. */
  error: string | null;
}

export type VerificationJobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface VerificationTables {
  fv_jobs: VerificationJobsTable;
}

export const verificationMigrations: Readonly<Record<string, Migration>> = {
  '0001_jobs': {
    async up(db: Kysely<unknown>) {
      await createJobTable(db, 'fv_jobs', (t) => t.addColumn('report', 'text'));
    },
  },
};

export type VerificationJobRow = VerificationJobsTable;

/** Queries on `fv_jobs`; no other service touches it. */
export class VerificationStore extends LeasedJobRows<VerificationJobRow> {
  private readonly db: Kysely<VerificationTables>;
  constructor(database: Database) {
    super(database.as<unknown>(), 'fv_jobs');
    this.db = database.as<VerificationTables>();
  }

  /** Forgets jobs that finished before `beforeMs`. */
  async deleteFinished(beforeMs: number): Promise<void> {
    await this.db
      .deleteFrom('fv_jobs')
      .where('status', 'in', ['done', 'failed'])
      .where('updated_ms', '<', beforeMs)
      .execute();
  }
}
