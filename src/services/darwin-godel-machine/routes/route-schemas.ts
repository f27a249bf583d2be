import { Type } from '@sinclair/typebox';
import { JOB_VIEW_PROPERTIES, JobIdParams } from '../../../kit/job-view.js';

/** The body of POST /api/v1/evolution/runs. */
export const RunSubmission = Type.Object(
  {
    base: Type.Object(
      { policies: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 2000 }) },
      { additionalProperties: false },
    ),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    iterations: Type.Integer({ minimum: 0, maximum: 10000, default: 300 }),
    timeBudgetMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    lambda: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    alpha0: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    propose: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const RunParams = JobIdParams;
export const VariantParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  variantId: Type.String({ pattern: '^v[0-9]{1,6}$' }),
});

/** A run as GET answers it. */
export const Run = Type.Object({
  ...JOB_VIEW_PROPERTIES,
  iteration: Type.Integer(),
  iterations: Type.Integer(),
  seed: Type.Integer(),
});

export const Lineage = Type.Object({ run: Run, entries: Type.Array(Type.Unknown()) });
export const VariantProposal = Type.Object({ proposalId: Type.String(), bundleId: Type.String() });
