import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { checkCompliance } from '../usecases/check-compliance.js';
import { READ_ROLES } from './route-roles.js';
import { ComplianceReply, Decision, VersionRef } from './route-schemas.js';

/** The compliance check: which invariants apply to a request and which decisions they forbid. */
export function registerComplianceRoutes(server: FastifyInstance, deps: ConstitutionDeps) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/constitution/compliance',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: ['constitution'],
        summary: 'Invariants that apply to a decision request, the decisions they forbid and why',
        response: { 200: ComplianceReply },
        body: Type.Object(
          {
            request: Type.Object({}, { additionalProperties: true, description: 'A decision request' }),
            decision: Type.Optional(Decision),
            version: Type.Optional(VersionRef),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => checkCompliance(deps, request.body),
  );
}
