import type { FastifyPluginAsync } from 'fastify';

/**
 * The Policy Governance Compiler service's routes. Health, metrics and the OpenAPI document come from the kit;
 * bundles and the decision API arrive with their own issue.
 */
export const policyGovernanceRoutes: FastifyPluginAsync = async () => {};
