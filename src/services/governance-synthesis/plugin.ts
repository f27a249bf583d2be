import type { FastifyPluginAsync } from 'fastify';

/**
 * The Governance Synthesis service's routes. Health, metrics and the OpenAPI document come from the kit;
 * synthesizers and jobs arrive with their own issue.
 */
export const synthesisRoutes: FastifyPluginAsync = async () => {};
