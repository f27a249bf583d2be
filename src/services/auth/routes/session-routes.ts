import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { AuthDeps } from '../auth-deps.js';
import { login } from '../usecases/login.js';
import { logout } from '../usecases/logout.js';
import { refreshSession } from '../usecases/refresh-session.js';
import {
  ANY_ROLE,
  BoundPrincipalSchema,
  NoContent,
  RoleSchema,
  TokenPairSchema,
  tagged,
} from './route-schemas.js';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'the current one-time code' })),
    recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

/** Login, refresh, logout and who-am-I. Login and refresh are public: their body is the credential. */
export function registerSessionRoutes(server: FastifyInstance, deps: AuthDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/auth/login',
    {
      config: { auth: { public: true } },
      schema: {
        ...tagged('Log in with a password (and a one-time code when TOTP is on)'),
        body: LoginBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => login(deps, { ...request.body, ip: request.ip }),
  );
  app.post(
    '/api/v1/auth/refresh',
    {
      config: { auth: { public: true } },
      schema: {
        ...tagged('Exchange a refresh token for a new pair (rotation)'),
        body: RefreshBody,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => refreshSession(deps, request.body.refreshToken),
  );
  app.post(
    '/api/v1/auth/logout',
    {
      config: { auth: { roles: ANY_ROLE } },
      schema: {
        ...tagged('End a session: its refresh tokens and its access token are revoked'),
        body: RefreshBody,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      await logout(deps, request.principal!, request.body.refreshToken);
      return reply.code(204).send();
    },
  );
  app.get(
    '/api/v1/auth/me',
    {
      config: { auth: { roles: ANY_ROLE } },
      schema: {
        ...tagged('The caller as the guard sees it'),
        response: {
          200: Type.Object({
            subject: Type.String(),
            roles: ReadonlyList(RoleSchema),
            scopes: ReadonlyList(Type.String()),
            kind: Type.Union([Type.Literal('user'), Type.Literal('service')]),
            boundPrincipal: Type.Optional(BoundPrincipalSchema),
            delegate: Type.Optional(Type.Boolean()),
            pseudonym: Type.Optional(
              Type.String({ description: 'how log entries name this caller (a keyed hash of its id)' }),
            ),
          }),
        },
      },
    },
    async (request) => request.principal!,
  );
}
