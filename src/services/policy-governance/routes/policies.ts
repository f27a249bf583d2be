import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import { savePolicyDraft } from '../usecases/save-policy-draft.js';
import { validatePolicies } from '../usecases/validate-policies.js';
import { AUTHOR_ROLES, callerOf } from './route-roles.js';

const TAGS = ['policies'];
const PolicyBody = Type.Object(
  {},
  { additionalProperties: true, description: 'A policy (docs/policy-language.md §2)' },
);
const PolicyIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
});

/** Policy drafts: create, update, read, list, delete, and validation against the active constitution. */
export function registerPolicyRoutes(app: FastifyInstance, deps: PgcDeps) {
  app.get<{ Querystring: { limit: number; after?: string } }>(
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
      },
    },
    async (request) => ({ policies: await deps.store.drafts(request.query.limit, request.query.after) }),
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/policies',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Create a policy draft (checked against the active constitution)',
        body: PolicyBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await savePolicyDraft(deps, request.body, callerOf(request), { create: true })),
  );

  app.post<{ Body: { policies?: unknown[] } }>(
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
      },
    },
    async (request) => validatePolicies(deps, request.body.policies),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: { tags: TAGS, summary: 'One policy draft', params: PolicyIdParams },
    },
    async (request) => {
      const draft = await deps.store.draft(request.params.id);
      if (draft === undefined)
        throw pgcErrors.create('PGC_DRAFT_NOT_FOUND', `no draft of policy ${request.params.id}`);
      return draft;
    },
  );

  app.put<{ Params: { id: string }; Body: Record<string, unknown>; Headers: { 'if-match'?: string } }>(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Replace a policy draft; send `If-Match: <revision>` to refuse lost updates (409)',
        params: PolicyIdParams,
        body: PolicyBody,
      },
    },
    async (request) => {
      const ifMatch = request.headers['if-match']?.replaceAll('"', '').trim();
      let revision: number | undefined;
      if (ifMatch !== undefined && ifMatch !== '') {
        revision = Number(ifMatch);
        if (!Number.isSafeInteger(revision) || revision < 1) {
          throw pgcErrors.create('PGC_POLICY_INVALID', 'If-Match must be a draft revision number', {
            errors: [{ pointer: '/headers/if-match', detail: 'expected a revision number such as "3"' }],
          });
        }
      }
      return savePolicyDraft(deps, request.body, callerOf(request), {
        id: request.params.id,
        ...(revision === undefined ? {} : { revision }),
      });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/policies/:id',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: { tags: TAGS, summary: 'Delete a policy draft', params: PolicyIdParams },
    },
    async (request, reply) => {
      if (!(await deps.store.deleteDraft(request.params.id)))
        throw pgcErrors.create('PGC_DRAFT_NOT_FOUND', `no draft of policy ${request.params.id}`);
      return reply.code(204).send();
    },
  );
}
