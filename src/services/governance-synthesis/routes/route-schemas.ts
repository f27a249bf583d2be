import { Type } from '@sinclair/typebox';

const STAGES = ['queued', 'constitution', 'synthesis', 'checking', 'verification', 'done'] as const;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** The body of POST /api/v1/synthesis/jobs. */
export const JobSubmission = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 64, default: 'builtin' }),
    constitutionHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    principles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 200 })),
    goal: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    candidates: Type.Integer({ minimum: 1, maximum: 10, default: 1 }),
  },
  { additionalProperties: false },
);

export const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A job as GET answers it. */
export const Job = Type.Object({
  id: Type.String(),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  stage: Type.Union(STAGES.map((s) => Type.Literal(s))),
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
