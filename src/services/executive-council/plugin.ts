import type { FastifyPluginAsync } from 'fastify';

/**
 * The Executive Council service's routes. Health, metrics and the OpenAPI document come from the kit;
 * members, proposals, votes and reviews arrive with their own issue.
 */
export const councilRoutes: FastifyPluginAsync = async () => {};
