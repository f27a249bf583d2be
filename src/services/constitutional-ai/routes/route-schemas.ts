import { Type } from '@sinclair/typebox';
import { commonErrors } from '../../../kernel/errors.js';
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
