import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { AuthDeps } from '../auth-deps.js';
import { rotateSigningKey } from '../usecases/rotate-signing-key.js';
import { ADMIN, tagged } from './route-schemas.js';

const Jwks = Type.Object({
  keys: ReadonlyList(
    Type.Object({
      kty: Type.Literal('OKP'),
      crv: Type.Literal('Ed25519'),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.Literal('EdDSA'),
      use: Type.Literal('sig'),
    }),
  ),
});

/** The public verification keys (public by nature) and signing-key rotation (admin). */
export function registerKeyRoutes(server: FastifyInstance, deps: AuthDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/.well-known/jwks.json',
    {
      config: { auth: { public: true } },
      schema: { ...tagged('Public keys that verify access tokens (RFC 7517)'), response: { 200: Jwks } },
    },
    async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=5').send(await deps.keyRing.keySet(false)),
  );
  app.post(
    '/api/v1/auth/keys/rotate',
    {
      config: { auth: { roles: ADMIN } },
      schema: {
        ...tagged(
          'Publish a new signing key; it signs after the activation delay, old keys stay published until their tokens expire',
        ),
        response: {
          200: Type.Object({
            kid: Type.String(),
            retired: ReadonlyList(Type.String()),
            activeFrom: Type.String(),
          }),
        },
      },
    },
    async (request) => rotateSigningKey(deps, request.principal!.subject),
  );
}
