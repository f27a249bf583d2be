/**
 * What every durable job table has in common (synthesis jobs, evolution runs): its columns, the
 * statuses, the fields its API view shows and their TypeBox schema. A service's own view spreads
 * these and adds its fields (a synthesis job's stage, a run's iteration).
 */
import { Type } from '@sinclair/typebox';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The columns every job table has: its id, constitution, failure, lease and times. */
export interface JobLeaseColumns {
  id: string;
  constitution_hash: string;
  error: string | null;
  attempts: number;
  owner: string | null;
  lease_until_ms: number | null;
  created_by: string;
  created_ms: number;
  updated_ms: number;
}

/** A job table with the common statuses, a progress and a JSON result (synthesis jobs, evolution runs). */
export interface JobColumns extends JobLeaseColumns {
  status: JobStatus;
  progress: number;
  result: string | null;
}

/** A job's common fields as the API shows them (camelCase; result and error parsed). */
export interface JobViewFields {
  readonly id: string;
  readonly status: JobStatus;
  readonly progress: number;
  readonly constitutionHash: string;
  readonly attempts: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly error?: string;
  readonly result?: unknown;
}

export function jobViewFields(row: JobColumns): JobViewFields {
  return {
    id: row.id,
    status: row.status,
    progress: Number(row.progress),
    constitutionHash: row.constitution_hash,
    attempts: Number(row.attempts),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    updatedAt: new Date(Number(row.updated_ms)).toISOString(),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as unknown }),
  };
}

/** The schema properties of `JobViewFields`, to spread into a service's job schema. */
export const JOB_VIEW_PROPERTIES = {
  id: Type.String(),
  status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  constitutionHash: Type.String(),
  attempts: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  error: Type.Optional(Type.String()),
  result: Type.Optional(Type.Unknown()),
};

/** The path parameters of a job's routes (`/…/{id}`). */
export const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
