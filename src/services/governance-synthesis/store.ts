import type { Kysely, Migration } from 'kysely';
import { JOB_STATUSES, type JobColumns, type JobStatus } from '../../kit/job-view.js';
import { createJobTable, LeasedJobRows } from '../../kit/leased-job-rows.js';
import type { Database } from '../../storage/database.js';

/**
 * The Governance Synthesis service's table (docs/synthesis.md): `gs_jobs`, one row per job with
 * its request, stage, progress, result or failure, and the lease of the process running it. A
 * job is written before the 202 that acknowledges it and every stage change is written before
 * the stage starts, so a restart finds every job where it was.
 */
export interface JobsTable extends JobColumns {
  stage: JobStage;
  provider: string;
  request: string;
}

export { JOB_STATUSES, type JobStatus };
/** A job's stages in order (docs/synthesis.md, Jobs). */
export const JOB_STAGES = [
  'queued',
  'constitution',
  'synthesis',
  'checking',
  'verification',
  'consensus',
  'handover',
  'done',
] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export interface SynthesisTables {
  gs_jobs: JobsTable;
}

export const synthesisMigrations: Readonly<Record<string, Migration>> = {
  '0001_jobs': {
    async up(db: Kysely<unknown>) {
      await createJobTable(db, 'gs_jobs', (t) =>
        t
          .addColumn('stage', 'text', (c) => c.notNull())
          .addColumn('progress', 'real', (c) => c.notNull())
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('result', 'text'),
      );
    },
  },
};

export type JobRow = JobsTable;

/** Queries on `gs_jobs`; no other service touches it. */
export class SynthesisStore extends LeasedJobRows<JobRow> {
  constructor(database: Database) {
    super(database.as<unknown>(), 'gs_jobs');
  }
}
