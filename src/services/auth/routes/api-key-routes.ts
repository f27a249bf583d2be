import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiKeyResolver } from '../../../kernel/contracts/auth.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { createApiKey } from '../usecases/create-api-key.js';
import { listApiKeys } from '../usecases/list-api-keys.js';
import { revokeApiKey } from '../usecases/revoke-api-key.js';
import {
  ADMIN,
  ApiKeySchema,
  BoundAttributeSchema,
  BoundPrincipalSchema,
  IdParam,
  NewApiKeySchema,
  NoContent,
  RoleSchema,
  tagged,
  Username,
} from './route-schemas.js';

const CreateApiKeyBody = Type.Object(
  {
    account: Username,
    roles: ReadonlyList(RoleSchema, { minItems: 1, maxItems: 7, uniqueItems: true }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    scopes: Type.Optional(
      ReadonlyList(Type.String({ pattern: '^[\\w:.*-]{1,64}$' }), { maxItems: 32, uniqueItems: true }),
    ),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    principal: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          roles: Type.Optional(
            ReadonlyList(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32, uniqueItems: true }),
          ),
          attrs: Type.Optional(
            Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), BoundAttributeSchema, {
              maxProperties: 32,
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Whom the account decides as; the server fills it into every decision request',
        },
      ),
    ),
    delegate: Type.Optional(
      Type.Boolean({ description: 'The account may speak for other principals in decision requests' }),
    ),
  },
  { additionalProperties: false },
);
const ResolveBody = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const ResolvedSchema = Type.Object({
  keyId: Type.String(),
  subject: Type.String(),
  roles: ReadonlyList(RoleSchema),
  scopes: ReadonlyList(Type.String()),
  expiresAtMs: Type.Union([Type.Integer(), Type.Null()]),
  revoked: Type.Boolean(),
  rateLimitPerMinute: Type.Integer(),
  account: Type.Optional(Type.String()),
  principal: Type.Optional(BoundPrincipalSchema),
  delegate: Type.Optional(Type.Boolean()),
  pseudonym: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
});

/** API keys for service accounts (admin), and key resolution for other services' guards (service). */
export function registerApiKeyRoutes(
  server: FastifyInstance,
  deps: AuthDeps,
  resolver: ApiKeyResolver,
): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/auth/api-keys',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged('List API keys (never the keys themselves)'),
        response: { 200: ReadonlyList(ApiKeySchema) },
      },
    },
    async () => listApiKeys(deps),
  );
  app.post(
    '/api/v1/auth/api-keys',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged('Create an API key for a service account; the key is shown once'),
        body: CreateApiKeyBody,
        response: { 201: NewApiKeySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createApiKey(deps, { ...request.body, actor: request.principal!.subject })),
  );
  app.post(
    '/api/v1/auth/api-keys/:id/revoke',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged('Revoke an API key (by id or prefix)'),
        params: IdParam,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await revokeApiKey(deps, request.params.id, request.principal!.subject);
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/v1/auth/api-keys/resolve',
    {
      config: { auth: { roles: ['service'] } },
      schema: {
        ...tagged("Resolve a presented API key for another service's guard"),
        body: ResolveBody,
        response: { 200: ResolvedSchema },
      },
    },
    async (request) => {
      const resolved = await resolver.resolve(request.body.key);
      if (resolved === undefined) throw authErrors.create('AUTH_API_KEY_NOT_FOUND', 'no such API key');
      return resolved;
    },
  );
}
