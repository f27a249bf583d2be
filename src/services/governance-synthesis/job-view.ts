import type { JobRow, JobStage, JobStatus } from './store.js';

/** A job as the API shows it (camelCase; result and error parsed). */
export interface JobView {
  readonly id: string;
  readonly status: JobStatus;
  readonly stage: JobStage;
  readonly progress: number;
  readonly provider: string;
  readonly constitutionHash: string;
  readonly attempts: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly error?: string;
  readonly result?: unknown;
}

export function jobView(row: JobRow): JobView {
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    progress: Number(row.progress),
    provider: row.provider,
    constitutionHash: row.constitution_hash,
    attempts: Number(row.attempts),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    updatedAt: new Date(Number(row.updated_ms)).toISOString(),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as unknown }),
  };
}
