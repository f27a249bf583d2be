import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PgcDeps } from '../pgc-deps.js';
import { AUDIT_ROLES } from './route-roles.js';

const Body = Type.Object(
  { principalId: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

/**
 * How an auditor finds a principal's decisions in the log, which names principals only by
 * pseudonym: the PGC, holding the key, hashes a given id (in the body, so that no id lands in an
 * access log's URL).
 */
export function registerPrincipalPseudonymRoutes(app: FastifyInstance, deps: PgcDeps) {
  app.post<{ Body: { principalId: string } }>(
    '/api/v1/decisions/principal-pseudonyms',
    {
      config: { auth: { roles: AUDIT_ROLES } },
      schema: {
        tags: ['decisions'],
        summary: 'The pseudonym (`principalIdHash`) decision entries give a principal id',
        body: Body,
        response: {
          200: Type.Object({ principalId: Type.String(), principalIdHash: Type.String() }),
        },
      },
    },
    async (request) => ({
      principalId: request.body.principalId,
      principalIdHash: deps.principalIds.of(request.body.principalId),
    }),
  );
}
