import type { FastifyPluginAsync } from 'fastify';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { EvolutionRuns } from './evolution-runs.js';
import { registerRunRoutes } from './routes/runs.js';

/** The Darwin Gödel Machine service's routes (health, metrics and the OpenAPI document come from the kit). */
export function evolutionRoutes(runs: EvolutionRuns, constitution: ConstitutionContract): FastifyPluginAsync {
  return async (app) => {
    registerRunRoutes(app, runs, constitution);
  };
}
