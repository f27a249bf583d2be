import { type JobViewFields, jobViewFields } from '../../kit/job-view.js';
import type { JobRow, JobStage } from './store.js';

/** A job as the API shows it (camelCase; result and error parsed). */
export interface JobView extends JobViewFields {
  readonly stage: JobStage;
  readonly provider: string;
}

export function jobView(row: JobRow): JobView {
  return { ...jobViewFields(row), stage: row.stage, provider: row.provider };
}
