import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PgcDeps } from '../pgc-deps.js';
import { activateBundle } from '../usecases/activate-bundle.js';
import { createBundle } from '../usecases/create-bundle.js';
import {
  bundleView,
  listBundles,
  readActiveBundle,
  readBundle,
  readBundleKeys,
} from '../usecases/read-bundles.js';
import { rotateSigningKey } from '../usecases/rotate-signing-key.js';
import {
  ACTIVATE_ROLES,
  ACTIVATE_SERVICES,
  AUTHOR_ROLES,
  callerOf,
  KEY_ROLES,
  READ_ROLES,
} from './route-roles.js';
import {
  Activation,
  ActiveBundle,
  Bundle,
  BundleKeys,
  BundleList,
  CreatedBundle,
  RotatedKey,
} from './route-schemas.js';

const TAGS = ['bundles'];
const BundleId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

/** Bundles: create (snapshot + sign), list, read, the active one, activation, the public key. */
export function registerBundleRoutes(server: FastifyInstance, deps: PgcDeps) {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/policies/bundles',
    {
      config: { auth: { roles: AUTHOR_ROLES } },
      schema: {
        tags: TAGS,
        summary:
          'Snapshot a policy set (given, or every draft) for the active constitution; signed, immutable',
        body: Type.Object(
          {
            policies: Type.Optional(
              Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 10_000 }),
            ),
            suites: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: CreatedBundle, 201: CreatedBundle },
      },
    },
    async (request, reply) => {
      const { bundle, created } = await createBundle(deps, request.body, callerOf(request));
      return reply.code(created ? 201 : 200).send({ ...bundleView(bundle), created });
    },
  );

  app.get(
    '/api/v1/policies/bundles',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'Bundles, newest first',
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: BundleList },
      },
    },
    async (request) => listBundles(deps, request.query.limit),
  );

  app.get(
    '/api/v1/policies/bundles/public-key',
    {
      config: { auth: { public: true } },
      schema: {
        tags: TAGS,
        summary: 'The Ed25519 key bundles are signed with (raw 32 bytes, base64)',
        response: { 200: BundleKeys },
      },
    },
    async () => readBundleKeys(deps),
  );

  app.post(
    '/api/v1/policies/bundles/signing-key/rotate',
    {
      config: { auth: { roles: KEY_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'A new bundle-signing key signs from now on; earlier keys keep verifying their bundles',
        response: { 200: RotatedKey },
      },
    },
    async (request) => rotateSigningKey(deps, callerOf(request)),
  );

  app.get(
    '/api/v1/policies/bundles/active',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'The active bundle: the pointer and what this replica runs',
        response: { 200: ActiveBundle },
      },
    },
    async () => readActiveBundle(deps),
  );

  app.get(
    '/api/v1/policies/bundles/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'One bundle with its policies',
        params: BundleId,
        response: { 200: Bundle },
      },
    },
    async (request) => readBundle(deps, request.params.id),
  );

  app.post(
    '/api/v1/policies/bundles/:id/activate',
    {
      config: { auth: { roles: ACTIVATE_ROLES, services: ACTIVATE_SERVICES } },
      schema: {
        tags: TAGS,
        summary: 'Activate a bundle: type check, scenario suites, then every replica swaps to it',
        params: BundleId,
        response: { 200: Activation },
      },
    },
    async (request) => activateBundle(deps, request.params.id, callerOf(request)),
  );
}
