import type { FastifyPluginAsync } from 'fastify';

/**
 * The Darwin Gödel Machine service's routes. Health, metrics and the OpenAPI document come from the kit;
 * the variant archive and evolution runs arrive with their own issue.
 */
export const evolutionRoutes: FastifyPluginAsync = async () => {};
