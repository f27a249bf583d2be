import { Type } from '@sinclair/typebox';
import { commonErrors } from '../../../kernel/errors.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import { VERSION_REF_PATTERN } from '../usecases/get-version.js';
import type { DocumentBody } from '../usecases/read-document.js';

export const VersionRef = Type.String({
  pattern: VERSION_REF_PATTERN,
  description: '`active`, a version number, a full hash or a short (16 hex) hash',
});

export const Decision = Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('review')]);

/**
 * A constitution given in full: `document` (JSON, see schemas/constitution.schema.json) or
 * `yaml` (text). The use case validates the document as a whole, with a pointer per error.
 */
export const DocumentFields = {
  document: Type.Optional(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description: 'A constitution document (schemas/constitution.schema.json)',
      },
    ),
  ),
  yaml: Type.Optional(
    Type.String({ minLength: 1, maxLength: 4_000_000, description: 'A constitution document as YAML' }),
  ),
};

/** Exactly one of `document` and `yaml`. */
export function documentBody(body: { document?: unknown; yaml?: string }): DocumentBody {
  if (body.document !== undefined && body.yaml === undefined) return { document: body.document };
  if (body.yaml !== undefined && body.document === undefined) return { yaml: body.yaml };
  throw commonErrors.create('VALIDATION_FAILED', 'give the constitution as exactly one of document or yaml', {
    errors: [{ pointer: '/body', detail: 'needs exactly one of document, yaml' }],
  });
}

export const HashReply = Type.Object({
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 over the RFC 8785 canonical JSON' }),
  short: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'The first 16 hex digits' }),
});

/** An object described elsewhere (passed through as is). */
const Opaque = (description: string) => Type.Object({}, { additionalProperties: true, description });
const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Short = Type.String({ pattern: '^[0-9a-f]{16}$' });
const Via = Type.Union([Type.Literal('enact'), Type.Literal('bootstrap')]);

export const VersionReply = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  hash: Hash,
  short: Short,
  document: Opaque('The normalized constitution (schemas/constitution.schema.json)'),
  publishedAt: Type.String({ format: 'date-time' }),
  publishedBy: Type.String(),
  via: Via,
  proposalId: Type.Optional(Type.String()),
  draftId: Type.Optional(Type.String()),
});

export const VersionListReply = Type.Object({
  versions: ReadonlyList(
    Type.Object({
      number: Type.Integer({ minimum: 1 }),
      hash: Hash,
      short: Short,
      name: Type.String(),
      publishedAt: Type.String({ format: 'date-time' }),
      publishedBy: Type.String(),
      via: Via,
      proposalId: Type.Optional(Type.String()),
    }),
  ),
});

export const DraftReply = Type.Object({
  id: Type.String({ format: 'uuid' }),
  revision: Type.Integer({ minimum: 1 }),
  document: Opaque('The normalized constitution (schemas/constitution.schema.json)'),
  hash: Hash,
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
  publishedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
});

const ApplicableInvariant = Type.Object({
  principleId: Type.String(),
  invariantId: Type.String(),
  when: Type.String(),
  forbid: ReadonlyList(Decision),
  reason: Type.String(),
  error: Type.Optional(
    Type.String({ description: 'Set when `when` failed to evaluate; the invariant applies (fail-closed)' }),
  ),
});

export const ComplianceReply = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  hash: Hash,
  applicable: ReadonlyList(ApplicableInvariant),
  forbidden: ReadonlyList(Decision),
  permitted: ReadonlyList(Decision),
  decision: Type.Optional(Decision),
  compliant: Type.Optional(Type.Boolean()),
  violations: Type.Optional(ReadonlyList(ApplicableInvariant)),
});

export const PrinciplesReply = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  hash: Hash,
  principles: ReadonlyList(Opaque('A principle with its invariants')),
});

export const SuitesReply = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  hash: Hash,
  suites: ReadonlyList(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      description: Type.String(),
      hash: Hash,
      scenarios: Type.Integer({ minimum: 0 }),
    }),
  ),
});

export const SuiteReply = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  hash: Hash,
  suite: Opaque('The suite (id, title, description, scenarios) and its hash'),
});

export const DiffReply = Type.Object({
  from: Type.Object({ number: Type.Integer(), hash: Hash }),
  to: Type.Object({ number: Type.Integer(), hash: Hash }),
  identical: Type.Boolean(),
  principles: Opaque('added, removed, changed: [{ id, changes: [{ field, before, after }] }]'),
  vocabulary: Opaque('added, removed, changed attributes'),
  settings: ReadonlyList(Opaque('{ field, before, after }')),
  scenarioSuites: Opaque('added, removed, changed: [{ id, beforeHash, afterHash }]'),
});
