import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { getScenarioSuite, listScenarioSuites } from '../usecases/list-scenario-suites.js';
import { searchPrinciples } from '../usecases/search-principles.js';
import { READ_ROLES } from './route-roles.js';
import { PrinciplesReply, SuiteReply, SuitesReply, VersionRef } from './route-schemas.js';

const TAGS = ['constitution'];

/** Principles (search by category and keyword) and scenario suites of a version. */
export function registerPrincipleRoutes(server: FastifyInstance, deps: ConstitutionDeps) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/constitution/principles',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Principles of a version (the active one by default), filtered',
        response: { 200: PrinciplesReply },
        querystring: Type.Object(
          {
            version: Type.Optional(VersionRef),
            category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            keyword: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            mandatory: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => searchPrinciples(deps, request.query),
  );

  app.get(
    '/api/v1/constitution/scenario-suites',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Scenario suites of a version, each with the hash that pins it',
        response: { 200: SuitesReply },
        querystring: Type.Object({ version: Type.Optional(VersionRef) }, { additionalProperties: false }),
      },
    },
    async (request) => listScenarioSuites(deps, request.query.version),
  );

  app.get(
    '/api/v1/constitution/scenario-suites/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'One scenario suite with its labelled requests',
        response: { 200: SuiteReply },
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({ version: Type.Optional(VersionRef) }, { additionalProperties: false }),
      },
    },
    async (request) => getScenarioSuite(deps, request.params.id, request.query.version),
  );
}
