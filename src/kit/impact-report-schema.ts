import { Type } from '@sinclair/typebox';

/**
 * How activating a bundle would change what is allowed, as the formal verifier proved it against
 * `fromBundleId` (the PGC's impact route, a policy proposal's `content.impact`, a break-glass
 * ratification). The wire form of `ImpactVerdict` without its bundle id.
 */
export const ImpactReport = Type.Object({
  fromBundleId: Type.Union([Type.String(), Type.Null()], { description: 'The active bundle compared with' }),
  impact: Type.Union([Type.Literal('narrowing'), Type.Literal('widening'), Type.Literal('unknown')]),
  detail: Type.String({ description: 'The evidence: a request that widens, or what the solver left open' }),
  classification: Type.Optional(
    Type.Union(
      [
        Type.Literal('equivalent'),
        Type.Literal('narrowing'),
        Type.Literal('widening'),
        Type.Literal('mixed'),
        Type.Literal('unknown'),
      ],
      { description: "The verifier's classification (equivalent: no request changes decision)" },
    ),
  ),
  changes: Type.Optional(
    Type.Array(
      Type.Object({
        from: Type.String(),
        to: Type.String(),
        kind: Type.Union([Type.Literal('narrowing'), Type.Literal('widening')]),
        example: Type.Record(Type.String(), Type.Unknown(), {
          description: 'A request decided `from` before and `to` after (engine-confirmed)',
        }),
      }),
      { description: 'Each kind of decision change, with an example request' },
    ),
  ),
});
