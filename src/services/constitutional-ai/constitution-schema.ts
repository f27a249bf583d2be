/**
 * The constitution document as authors write it (YAML or JSON), as a TypeBox schema: the route
 * bodies validate against it and `schemas/constitution.schema.json` is generated from it.
 * Optional fields take defaults when the document is normalized (`constitution-validator.ts`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { PROPOSAL_KINDS, THRESHOLDS } from '../../kernel/contracts/constitution.js';

/** Ids of principles, invariants, suites and scenarios (the policy language's id syntax). */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';

const Id = Type.String({
  pattern: ID_PATTERN,
  description: '1–128 of [A-Za-z0-9_.:-], starting alphanumeric',
});
const Decision = Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('review')]);
const Text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) });

export const InvariantSchema = Type.Object(
  {
    id: Id,
    when: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'CEL predicate over the vocabulary: the requests the invariant speaks about',
    }),
    forbid: Type.Array(Decision, {
      minItems: 1,
      uniqueItems: true,
      description: 'Decisions never allowed for a request where `when` holds',
    }),
    reason: Type.Optional(Text(2000)),
  },
  { additionalProperties: false },
);

export const PrincipleSchema = Type.Object(
  {
    id: Id,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 10_000 }),
    category: Type.String({ minLength: 1, maxLength: 64 }),
    priority: Type.Number({ minimum: 0, maximum: 100, description: 'Relative weight, 0–100' }),
    mandatory: Type.Optional(Type.Boolean({ default: false })),
    rationale: Type.Optional(Text(10_000)),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    invariants: Type.Optional(Type.Array(InvariantSchema, { maxItems: 256 })),
  },
  { additionalProperties: false },
);

const AttributeSchema = Type.Union([
  Type.String({ description: 'shorthand: the type alone' }),
  Type.Object(
    {
      type: Type.String(),
      required: Type.Optional(Type.Boolean()),
      description: Type.Optional(Text(2000)),
    },
    { additionalProperties: false },
  ),
]);

export const VocabularySchema = Type.Object(
  {
    attributes: Type.Record(Type.String(), AttributeSchema, {
      description: 'Dotted attribute paths under principal, action, resource, context',
    }),
  },
  { additionalProperties: false },
);

export const CouncilRuleSchema = Type.Object(
  {
    quorum: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Share of eligible voting weight that must vote',
    }),
    threshold: Type.Union(
      Object.keys(THRESHOLDS).map((name) => Type.Literal(name)),
      { description: 'simple > 0.5, super > 0.667, qualified > 0.75, unanimous = 1' },
    ),
    // Fractions are allowed (0.25 is 15 minutes): drills and tests run whole council cycles in seconds.
    votingWindowHours: Type.Number({
      minimum: 0.001,
      maximum: 8760,
      description: 'How long the vote stays open, in hours (fractions allowed; 0.001 h = 3.6 s)',
    }),
    timelockHours: Type.Number({
      minimum: 0,
      maximum: 8760,
      description: 'Time between passing and enactment, in hours (fractions allowed)',
    }),
  },
  { additionalProperties: false },
);

export const ScenarioSchema = Type.Object(
  {
    id: Id,
    description: Type.Optional(Text(2000)),
    request: Type.Object({}, { additionalProperties: true, description: 'A decision request' }),
    expected: Decision,
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  },
  { additionalProperties: false },
);

export const ScenarioSuiteSchema = Type.Object(
  {
    id: Id,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(10_000)),
    scenarios: Type.Array(ScenarioSchema, { minItems: 1, maxItems: 10_000 }),
  },
  { additionalProperties: false },
);

export const ConstitutionDocumentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(10_000)),
    defaultDecision: Type.Optional(Decision),
    vocabulary: VocabularySchema,
    principles: Type.Array(PrincipleSchema, { maxItems: 1000 }),
    councilRules: Type.Object(
      Object.fromEntries(PROPOSAL_KINDS.map((kind) => [kind, CouncilRuleSchema])) as Record<
        (typeof PROPOSAL_KINDS)[number],
        typeof CouncilRuleSchema
      >,
      { additionalProperties: false },
    ),
    scenarioSuites: Type.Optional(Type.Array(ScenarioSuiteSchema, { maxItems: 100 })),
  },
  { additionalProperties: false, $id: 'https://acgs.dev/schemas/constitution.schema.json' },
);

/** The input form of a constitution document. */
export type ConstitutionDocumentInput = Static<typeof ConstitutionDocumentSchema>;

/** The published JSON Schema (what `schemas/constitution.schema.json` holds). */
export function constitutionJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'ACGS constitution',
    description:
      'A constitution version: principles with invariants, the vocabulary, the default decision, council rules and scenario suites. See docs/constitution.md.',
    ...JSON.parse(JSON.stringify(ConstitutionDocumentSchema)),
  };
}
