import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../../../kernel/errors.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { bootstrapConstitution } from '../usecases/bootstrap-constitution.js';
import { enactVersion, resolveConstitution } from '../usecases/enact-version.js';
import { listDrafts } from '../usecases/list-drafts.js';
import { createDraft, getDraft, updateDraft } from '../usecases/save-draft.js';
import {
  ADMIN_ROLES,
  AUTHOR_ROLES,
  callerOf,
  ENACT_ROLES,
  ENACT_SERVICES,
  RESOLVE_ROLES,
} from './route-roles.js';
import { DocumentFields, DraftReply, documentBody, VersionRef, VersionReply } from './route-schemas.js';

const TAGS = ['constitution'];
const DraftId = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** Drafts that authors edit, the admin bootstrap of the first version, and the council's enactment. */
export function registerDraftRoutes(server: FastifyInstance, deps: ConstitutionDeps) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/constitution/drafts',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Drafts, most recently edited first',
        response: { 200: Type.Object({ drafts: ReadonlyList(DraftReply) }) },
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => listDrafts(deps, request.query.limit),
  );

  app.post(
    '/api/v1/constitution/drafts',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        response: { 201: DraftReply },
        summary:
          'Create a draft from a document, YAML text, or a published version (the active one by default)',
        body: Type.Object(
          { ...DocumentFields, fromVersion: Type.Optional(VersionRef) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { fromVersion, ...rest } = request.body;
      if (fromVersion !== undefined && (rest.document !== undefined || rest.yaml !== undefined)) {
        throw commonErrors.create('VALIDATION_FAILED', 'give a document, yaml, or fromVersion, not several', {
          errors: [{ pointer: '/body/fromVersion', detail: 'cannot be combined with document or yaml' }],
        });
      }
      const start =
        rest.document === undefined && rest.yaml === undefined
          ? { ...(fromVersion === undefined ? {} : { fromVersion }) }
          : documentBody(rest);
      return reply.code(201).send(await createDraft(deps, start, callerOf(request)));
    },
  );

  app.get(
    '/api/v1/constitution/drafts/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: { tags: TAGS, summary: 'One draft', params: DraftId, response: { 200: DraftReply } },
    },
    async (request) => getDraft(deps, request.params.id),
  );

  app.put(
    '/api/v1/constitution/drafts/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Replace a draft (409 if it changed since `revision`, or was published)',
        response: { 200: DraftReply },
        params: DraftId,
        body: Type.Object(
          {
            ...DocumentFields,
            revision: Type.Integer({ minimum: 1, description: 'The revision you edited' }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { revision, ...rest } = request.body;
      return updateDraft(deps, request.params.id, { ...documentBody(rest), revision }, callerOf(request));
    },
  );

  app.post(
    '/api/v1/constitution/bootstrap',
    {
      config: { auth: { roles: ADMIN_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Admin only: publish the first version (409 once any version is published)',
        response: { 201: VersionReply },
        body: Type.Object(
          { ...DocumentFields, draftId: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { draftId, ...rest } = request.body;
      const source =
        draftId !== undefined && rest.document === undefined && rest.yaml === undefined
          ? { draftId }
          : documentBody(rest);
      const version = await bootstrapConstitution(deps, source, callerOf(request));
      // The answer describes the version now in force, so it carries that version's hash.
      return reply.code(201).header('x-constitutional-hash', version.short).send(version);
    },
  );

  app.post(
    '/api/v1/constitution/enactments',
    {
      config: { auth: { roles: ENACT_ROLES, services: ENACT_SERVICES } },
      schema: {
        tags: TAGS,
        summary: 'The council enacts a passed amendment: publish a draft or a document as the next version',
        response: { 201: VersionReply },
        body: Type.Object(
          {
            draftId: Type.Optional(Type.String({ format: 'uuid' })),
            document: DocumentFields.document,
            proposalId: Type.String({ minLength: 1, maxLength: 128 }),
            enactedBy: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { draftId, document, proposalId, enactedBy } = request.body;
      if ((draftId === undefined) === (document === undefined)) {
        throw commonErrors.create('VALIDATION_FAILED', 'give exactly one of draftId or document', {
          errors: [{ pointer: '/body', detail: 'needs exactly one of draftId, document' }],
        });
      }
      const source = draftId !== undefined ? { draftId } : { document };
      const version = await enactVersion(deps, source, { proposalId, enactedBy }, '/body');
      return reply.code(201).header('x-constitutional-hash', version.short).send(version);
    },
  );

  app.post<{ Body: { draftId?: string; document?: unknown } }>(
    '/api/v1/constitution/resolutions',
    {
      config: { auth: { roles: RESOLVE_ROLES } },
      schema: {
        response: {
          200: Type.Object({
            hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            document: Type.Object({}, { additionalProperties: true }),
            publishedAs: Type.Optional(
              Type.Integer({
                minimum: 1,
                description: 'the version already published with this hash (it cannot be published again)',
              }),
            ),
          }),
        },
        tags: TAGS,
        summary:
          'Validate a draft or document without publishing it: its normalized document and the hash it would have',
        body: Type.Object(
          { draftId: Type.Optional(Type.String({ format: 'uuid' })), document: DocumentFields.document },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { draftId, document } = request.body;
      if ((draftId === undefined) === (document === undefined)) {
        throw commonErrors.create('VALIDATION_FAILED', 'give exactly one of draftId or document', {
          errors: [{ pointer: '/body', detail: 'needs exactly one of draftId, document' }],
        });
      }
      return resolveConstitution(deps, draftId !== undefined ? { draftId } : { document }, '/body');
    },
  );
}
