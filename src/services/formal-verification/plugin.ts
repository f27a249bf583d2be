import type { FastifyPluginAsync } from 'fastify';

/**
 * The Formal Verification service's routes. Health, metrics and the OpenAPI document come from the kit;
 * the Z3 checks arrive with their own issue.
 */
export const verificationRoutes: FastifyPluginAsync = async () => {};
