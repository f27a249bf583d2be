import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PgcDeps } from '../pgc-deps.js';
import { deletePolicyDraft, listPolicyDrafts, readPolicyDraft } from '../usecases/read-policy-drafts.js';
import { savePolicyDraft } from '../usecases/save-policy-draft.js';
import { validatePolicies } from '../usecases/validate-policies.js';
import { AUTHOR_ROLES, callerOf } from './route-roles.js';
import { PolicyDraft, PolicyDraftList, ValidationReport } from './route-schemas.js';

const TAGS = ['policies'];
const PolicyBody = Type.Object(
  {},
  { additionalProperties: true, description: 'A policy (docs/policy-language.md §2)' },
);
const PolicyIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
});

/** Policy drafts: create, update, read, list, delete, and validation against the active constitution. */
export function registerPolicyRoutes(server: FastifyInstance, deps: PgcDeps) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/policies',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Policy drafts by id',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            after: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: { 200: PolicyDraftList },
      },
    },
    async (request) => listPolicyDrafts(deps, request.query.limit, request.query.after),
  );

  app.post(
    '/api/v1/policies',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Create a policy draft (checked against the active constitution)',
        body: PolicyBody,
        response: { 201: PolicyDraft },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await savePolicyDraft(deps, request.body, callerOf(request), { create: true })),
  );

  app.post(
    '/api/v1/policies/validate',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Check policies (or every draft) against the active constitution without storing them',
        body: Type.Object(
          { policies: Type.Optional(Type.Array(PolicyBody, { maxItems: 10_000 })) },
          { additionalProperties: false },
        ),
        response: { 200: ValidationReport },
      },
    },
    async (request) => validatePolicies(deps, request.body.policies),
  );

  app.get(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'One policy draft',
        params: PolicyIdParams,
        response: { 200: PolicyDraft },
      },
    },
    async (request) => readPolicyDraft(deps, request.params.id),
  );

  app.put(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Replace a policy draft; send `If-Match: <revision>` to refuse lost updates (409)',
        params: PolicyIdParams,
        body: PolicyBody,
        response: { 200: PolicyDraft },
      },
    },
    async (request) =>
      savePolicyDraft(deps, request.body, callerOf(request), {
        id: request.params.id,
        ifMatch: request.headers['if-match'],
      }),
  );

  app.delete(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Delete a policy draft',
        params: PolicyIdParams,
        response: { 204: Type.Unsafe<void>(Type.Null({ description: 'Deleted' })) },
      },
    },
    async (request, reply) => {
      await deletePolicyDraft(deps, request.params.id);
      return reply.code(204).send();
    },
  );
}
