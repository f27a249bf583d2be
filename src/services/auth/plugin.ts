import type { FastifyPluginAsync } from 'fastify';

/**
 * The Auth service's routes. Health, metrics and the OpenAPI document come from the kit;
 * users, tokens, API keys and JWKS arrive with the Auth issue.
 */
export const authRoutes: FastifyPluginAsync = async () => {};
