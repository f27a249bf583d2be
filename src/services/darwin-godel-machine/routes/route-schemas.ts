import { Type } from '@sinclair/typebox';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

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

export const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const VariantParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  variantId: Type.String({ pattern: '^v[0-9]{1,6}$' }),
});

/** A run as GET answers it. */
export const Run = Type.Object({
  id: Type.String(),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  iteration: Type.Integer(),
  iterations: Type.Integer(),
  seed: Type.Integer(),
  constitutionHash: Type.String(),
  attempts: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  error: Type.Optional(Type.String()),
  result: Type.Optional(Type.Unknown()),
});

export const Lineage = Type.Object({ run: Run, entries: Type.Array(Type.Unknown()) });
export const VariantProposal = Type.Object({ proposalId: Type.String(), bundleId: Type.String() });
