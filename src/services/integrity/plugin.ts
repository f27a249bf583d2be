import type { FastifyPluginAsync } from 'fastify';

/**
 * The Integrity service's routes. Health, metrics and the OpenAPI document come from the kit;
 * the Merkle log API (entries, proofs, checkpoints) arrives with the log issue.
 */
export const integrityRoutes: FastifyPluginAsync = async () => {};
