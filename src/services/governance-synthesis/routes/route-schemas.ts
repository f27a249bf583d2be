import { Type } from '@sinclair/typebox';
import { JOB_VIEW_PROPERTIES, JobIdParams } from '../../../kit/job-view.js';
import { JOB_STAGES } from '../store.js';

/** The body of POST /api/v1/synthesis/jobs. */
export const JobSubmission = Type.Object(
  {
    provider: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'default: the configured provider (ACGS_SYNTHESIS_PROVIDER, builtin unless set)',
      }),
    ),
    constitutionHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    principles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 200 })),
    goal: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S', description: 'not only spaces' }),
    ),
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

export const JobParams = JobIdParams;

/** A job as GET answers it. */
export const Job = Type.Object({
  ...JOB_VIEW_PROPERTIES,
  stage: Type.Union(JOB_STAGES.map((s) => Type.Literal(s))),
  provider: Type.String(),
});
