import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../auth-deps.js';
import { rotateSigningKey } from '../usecases/rotate-signing-key.js';
import { ADMIN, tagged } from './route-schemas.js';

const Jwks = Type.Object({
  keys: Type.Array(
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
export function registerKeyRoutes(app: FastifyInstance, deps: AuthDeps): void {
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
            retired: Type.Array(Type.String()),
            activeFrom: Type.String(),
          }),
        },
      },
    },
    async (request) => rotateSigningKey(deps, request.principal!.subject),
  );
}
