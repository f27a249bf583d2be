import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import type { LogDeps } from '../log-deps.js';
import { readLatestCheckpoint } from '../usecases/read-checkpoint.js';
import { readPublicKeys } from '../usecases/read-public-keys.js';
import { READ_ROLES } from './route-roles.js';
import { Checkpoint } from './route-schemas.js';

const TAGS = ['log'];

/** The latest signed checkpoint and the log's public verifier keys. */
export function registerCheckpointRoutes(server: FastifyInstance, deps: LogDeps): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/log/checkpoint',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { tags: TAGS, summary: 'The latest signed checkpoint', response: { 200: Checkpoint } },
    },
    async () => readLatestCheckpoint(deps),
  );

  app.get(
    '/api/v1/log/public-key',
    {
      config: { auth: { public: true } },
      schema: {
        tags: TAGS,
        summary: 'The log’s verifier keys (vkeys), for `acgs log verify --key`',
        response: {
          200: Type.Object({
            origin: Type.String(),
            keys: ReadonlyList(Type.String()),
            allKeys: ReadonlyList(Type.String()),
          }),
        },
      },
    },
    async () => readPublicKeys(deps),
  );
}
