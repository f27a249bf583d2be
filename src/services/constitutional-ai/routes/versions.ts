import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import { ProblemSchema } from '../../../kit/problem-details.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { constitutionToYaml } from '../constitution-text.js';
import { constitutionErrors } from '../errors.js';
import { diffVersions } from '../usecases/diff-versions.js';
import { getVersion } from '../usecases/get-version.js';
import { listVersions } from '../usecases/list-versions.js';
import { READ_ROLES } from './route-roles.js';
import { DiffReply, HashReply, VersionListReply, VersionRef, VersionReply } from './route-schemas.js';

const TAGS = ['constitution'];

/** The active constitution, published versions, their YAML export, and diffs between them. */
export function registerVersionRoutes(
  server: FastifyInstance,
  deps: ConstitutionDeps,
  contract: ConstitutionContract,
) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/constitution/active/hash',
    {
      config: { auth: { public: true } },
      schema: { tags: TAGS, summary: 'Hash of the active constitution', response: { 200: HashReply } },
    },
    async () => contract.activeHash(),
  );

  app.get(
    '/api/v1/constitution/active',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { tags: TAGS, summary: 'The active constitution version', response: { 200: VersionReply } },
    },
    async () => getVersion(deps, 'active'),
  );

  app.get(
    '/api/v1/constitution/versions',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Published versions, newest first',
        response: { 200: VersionListReply },
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            before: Type.Optional(
              Type.Integer({ minimum: 1, description: 'Only versions numbered below this' }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => listVersions(deps, request.query.limit, request.query.before),
  );

  app.get(
    '/api/v1/constitution/versions/:ref',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'One published version',
        params: Type.Object({ ref: VersionRef }),
        response: { 200: VersionReply },
      },
    },
    async (request) => getVersion(deps, request.params.ref),
  );

  app.get(
    '/api/v1/constitution/versions/:ref/export',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'A published version as YAML (import it again and the hash is the same)',
        params: Type.Object({ ref: VersionRef }),
        response: { 200: { content: { 'application/yaml': { schema: Type.String() } } } },
      },
    },
    async (request, reply) => {
      const version = await getVersion(deps, request.params.ref);
      const header = `ACGS constitution version ${version.number}\nhash: ${version.hash}`;
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="constitution-v${version.number}.yaml"`)
        .send(constitutionToYaml(version.document, header));
    },
  );

  // Published versions are immutable: there is no way to change one, and asking says so.
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/v1/constitution/versions/:ref',
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        // Not an operation to offer: it exists so that trying answers a clear 409, not a 404.
        hide: true,
        summary: 'Always 409: published versions cannot be changed (edit a draft and enact it)',
        params: Type.Object({ ref: VersionRef }),
        response: { 409: ProblemSchema },
      },
      handler: async (request) => {
        const version = await getVersion(deps, request.params.ref);
        throw constitutionErrors.create(
          'CONSTITUTION_VERSION_IMMUTABLE',
          `version ${version.number} (${version.short}) is published and cannot be changed; create a draft from it and have the council enact it`,
          { details: { version: version.number, hash: version.hash } },
        );
      },
    });
  }

  app.get(
    '/api/v1/constitution/diff',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Principle-level diff between two versions: added, removed, changed fields',
        response: { 200: DiffReply },
        querystring: Type.Object(
          { from: VersionRef, to: Type.Optional(VersionRef) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => diffVersions(deps, request.query.from, request.query.to ?? 'active'),
  );
}
