import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';

const HashReply = Type.Object({
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 over the RFC 8785 canonical JSON' }),
  short: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'The first 16 hex digits' }),
});

/**
 * The Constitutional AI service's routes. The active hash is public: every response already
 * carries it, and other services read it from here in distributed mode.
 */
export function constitutionRoutes(constitution: ConstitutionContract): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/v1/constitution/active/hash',
      {
        config: { auth: { public: true } },
        schema: {
          tags: ['constitution'],
          summary: 'Hash of the active constitution',
          response: { 200: HashReply },
        },
      },
      async () => constitution.activeHash(),
    );
  };
}
