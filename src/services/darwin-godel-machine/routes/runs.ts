import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type { Role } from '../../../kernel/roles.js';
import { evolutionErrors } from '../errors.js';
import type { EvolutionRuns } from '../evolution-runs.js';
import { Lineage, Run, RunParams, RunSubmission, VariantParams, VariantProposal } from './route-schemas.js';

const TAGS = ['evolution'];
/** Who may start, cancel and propose. */
export const WRITE_ROLES: readonly Role[] = ['policy_author', 'admin'];
/** Who may read runs and lineages. */
export const READ_ROLES: readonly Role[] = ['policy_author', 'admin', 'auditor', 'council_member', 'service'];

/** Evolution runs: start (202), progress, cancel, lineage export, proposal of a variant. */
export function registerRunRoutes(
  app: FastifyInstance,
  runs: EvolutionRuns,
  constitution: ConstitutionContract,
) {
  app.post<{ Body: Static<typeof RunSubmission> }>(
    '/api/v1/evolution/runs',
    {
      config: { auth: { roles: WRITE_ROLES } },
      schema: {
        body: RunSubmission,
        response: { 202: Run },
        tags: TAGS,
        summary: 'Start an evolution run from a base policy set (202 with its id)',
      },
    },
    async (request, reply) => {
      const version = await constitution.activeVersion();
      if (version === undefined)
        throw evolutionErrors.create('EVOLUTION_NO_CONSTITUTION', 'publish a constitution first');
      const run = await runs.submit(request.body, version.hash, request.principal?.subject ?? 'unknown');
      return reply.code(202).header('location', `/api/v1/evolution/runs/${run.id}`).send(run);
    },
  );

  app.get<{ Params: Static<typeof RunParams> }>(
    '/api/v1/evolution/runs/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        params: RunParams,
        response: { 200: Run },
        tags: TAGS,
        summary: 'A run: status, progress, result',
      },
    },
    async (request) => runs.get(request.params.id),
  );

  app.post<{ Params: Static<typeof RunParams> }>(
    '/api/v1/evolution/runs/:id/cancel',
    {
      config: { auth: { roles: WRITE_ROLES } },
      schema: { params: RunParams, response: { 200: Run }, tags: TAGS, summary: 'Cancel an unfinished run' },
    },
    async (request) => runs.cancel(request.params.id),
  );

  app.get<{ Params: Static<typeof RunParams> }>(
    '/api/v1/evolution/runs/:id/lineage',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        params: RunParams,
        response: { 200: Lineage },
        tags: TAGS,
        summary: 'The archive with its lineage, as JSON',
      },
    },
    async (request) => runs.lineage(request.params.id),
  );

  app.post<{ Params: Static<typeof VariantParams> }>(
    '/api/v1/evolution/runs/:id/variants/:variantId/proposal',
    {
      config: { auth: { roles: WRITE_ROLES } },
      schema: {
        params: VariantParams,
        response: { 201: VariantProposal },
        tags: TAGS,
        summary: 'Propose an admissible variant to the council (adopt-variant); 409 for any other',
      },
    },
    async (request, reply) =>
      reply.code(201).send(await runs.propose(request.params.id, request.params.variantId)),
  );
}
