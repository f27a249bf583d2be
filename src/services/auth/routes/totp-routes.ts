import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { AuthDeps } from '../auth-deps.js';
import { confirmTotp } from '../usecases/confirm-totp.js';
import { setupTotp } from '../usecases/setup-totp.js';
import { ANY_ROLE, tagged } from './route-schemas.js';

const ConfirmBody = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$' }) },
  { additionalProperties: false },
);

/** Optional TOTP (RFC 6238) for the signed-in user. */
export function registerTotpRoutes(server: FastifyInstance, deps: AuthDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/auth/totp/setup',
    {
      config: { auth: { roles: ANY_ROLE } },
      schema: {
        ...tagged('Start TOTP enrolment: a secret for an authenticator app'),
        response: { 200: Type.Object({ secret: Type.String(), otpauthUri: Type.String() }) },
      },
    },
    async (request) => setupTotp(deps, request.principal!),
  );
  app.post(
    '/api/v1/auth/totp/confirm',
    {
      config: { auth: { roles: ANY_ROLE } },
      schema: {
        ...tagged('Turn TOTP on with a first code; returns one-time recovery codes, shown once'),
        body: ConfirmBody,
        response: { 200: Type.Object({ recoveryCodes: ReadonlyList(Type.String()) }) },
      },
    },
    async (request) => confirmTotp(deps, request.principal!, request.body.code),
  );
}
