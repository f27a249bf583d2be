import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../../../kernel/errors.js';
import type { LogDeps } from '../log-deps.js';
import { proveConsistency } from '../usecases/prove-consistency.js';
import { proveInclusion } from '../usecases/prove-inclusion.js';
import { READ_ROLES } from './route-roles.js';
import { ConsistencyProof, Hex32, InclusionProof, Index } from './route-schemas.js';

const TAGS = ['log'];

/** Inclusion and consistency proofs (RFC 6962), for a given tree size or the latest checkpoint's. */
export function registerProofRoutes(server: FastifyInstance, deps: LogDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/log/proofs/inclusion',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Inclusion proof of an entry, by index or leaf hash, in the tree of `size` entries',
        querystring: Type.Object(
          { index: Type.Optional(Index), leafHash: Type.Optional(Hex32), size: Type.Optional(Index) },
          { additionalProperties: false },
        ),
        response: { 200: InclusionProof },
      },
    },
    async (request) => {
      const { index, leafHash, size } = request.query;
      if ((index === undefined) === (leafHash === undefined)) {
        throw commonErrors.create('VALIDATION_FAILED', 'give exactly one of index and leafHash', {
          errors: [{ pointer: '/querystring/index', detail: 'give exactly one of index and leafHash' }],
        });
      }
      const sized = size === undefined ? {} : { size };
      return proveInclusion(
        deps,
        index !== undefined ? { index, ...sized } : { leafHash: leafHash!, ...sized },
      );
    },
  );

  app.get(
    '/api/v1/log/proofs/consistency',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Consistency proof from tree size `from` to `to` (default: the latest checkpoint)',
        querystring: Type.Object({ from: Index, to: Type.Optional(Index) }, { additionalProperties: false }),
        response: { 200: ConsistencyProof },
      },
    },
    async (request) => proveConsistency(deps, request.query.from, request.query.to),
  );
}
