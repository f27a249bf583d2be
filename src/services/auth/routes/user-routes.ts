import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { AuthDeps } from '../auth-deps.js';
import { createUser } from '../usecases/create-user.js';
import { disableUser } from '../usecases/disable-user.js';
import { listUsers } from '../usecases/list-users.js';
import { unlockUser } from '../usecases/unlock-user.js';
import { ADMIN, IdParam, RoleSchema, tagged, Username, UserSchema } from './route-schemas.js';

const CreateUserBody = Type.Object(
  {
    username: Username,
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    roles: ReadonlyList(RoleSchema, { minItems: 1, maxItems: 7, uniqueItems: true }),
  },
  { additionalProperties: false },
);

/** User administration (admin only). */
export function registerUserRoutes(server: FastifyInstance, deps: AuthDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/auth/users',
    {
      config: { auth: { roles: ADMIN } },
      schema: { ...tagged('List users and service accounts'), response: { 200: ReadonlyList(UserSchema) } },
    },
    async () => listUsers(deps),
  );
  app.post(
    '/api/v1/auth/users',
    {
      config: { auth: { roles: ADMIN } },
      schema: { ...tagged('Create a user'), body: CreateUserBody, response: { 201: UserSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await createUser(deps, { ...request.body, actor: request.principal!.subject })),
  );
  app.post(
    '/api/v1/auth/users/:id/disable',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged('Disable a user or service account; its sessions are revoked'),
        params: IdParam,
        response: { 200: UserSchema },
      },
    },
    async (request) => disableUser(deps, request.params.id, request.principal!.subject),
  );
  app.post(
    '/api/v1/auth/users/:id/unlock',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged('Lift every login lock of a user (by id or name), from every address'),
        params: IdParam,
        response: { 200: Type.Object({ username: Type.String() }) },
      },
    },
    async (request) => unlockUser(deps, request.params.id, request.principal!.subject),
  );
}
