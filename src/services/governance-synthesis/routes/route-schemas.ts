import { Type } from '@sinclair/typebox';
import { JOB_STAGES, JOB_STATUSES } from '../store.js';

/** The body of POST /api/v1/synthesis/jobs. */
export const JobSubmission = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 64, default: 'builtin' }),
    constitutionHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    principles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 200 })),
    goal: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    providers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 5,
        uniqueItems: true,
      }),
    ),
    candidates: Type.Integer({ minimum: 1, maximum: 10, default: 1 }),
    propose: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A job as GET answers it. */
export const Job = Type.Object({
  id: Type.String(),
  status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))),
  stage: Type.Union(JOB_STAGES.map((s) => Type.Literal(s))),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  provider: Type.String(),
  constitutionHash: Type.String(),
  attempts: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  error: Type.Optional(Type.String()),
  result: Type.Optional(Type.Unknown()),
});
