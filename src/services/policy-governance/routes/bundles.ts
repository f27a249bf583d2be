import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { StoredBundle } from '../store.js';
import { activateBundle } from '../usecases/activate-bundle.js';
import { createBundle } from '../usecases/create-bundle.js';
import { rotateSigningKey } from '../usecases/rotate-signing-key.js';
import {
  ACTIVATE_ROLES,
  ACTIVATE_SERVICES,
  AUTHOR_ROLES,
  callerOf,
  KEY_ROLES,
  READ_ROLES,
} from './route-roles.js';

const TAGS = ['bundles'];
const BundleId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

function summary(bundle: StoredBundle) {
  const { constitution: _constitution, ...rest } = bundle;
  return rest;
}

/** Bundles: create (snapshot + sign), list, read, the active one, activation, the public key. */
export function registerBundleRoutes(app: FastifyInstance, deps: PgcDeps) {
  app.post<{ Body: { policies?: unknown[]; suites?: string[] } }>(
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
      },
    },
    async (request, reply) => {
      const { bundle, created } = await createBundle(deps, request.body, callerOf(request));
      return reply.code(created ? 201 : 200).send({ ...summary(bundle), created });
    },
  );

  app.get<{ Querystring: { limit: number } }>(
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
      },
    },
    async (request) => ({ bundles: await deps.store.bundles(request.query.limit) }),
  );

  app.get(
    '/api/v1/policies/bundles/public-key',
    {
      config: { auth: { public: true } },
      schema: { tags: TAGS, summary: 'The Ed25519 key bundles are signed with (raw 32 bytes, base64)' },
    },
    async () => {
      const signer = await deps.signer(true);
      return {
        algorithm: 'Ed25519',
        keyId: signer.keyId,
        publicKey: signer.publicKey,
        message: 'acgs.pgc.bundle.v1\\n<bundle id>\\n',
        // Rotated keys too: each verifies the bundles that name it in `keyId`.
        keys: signer.keys,
      };
    },
  );

  app.post(
    '/api/v1/policies/bundles/signing-key/rotate',
    {
      config: { auth: { roles: KEY_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'A new bundle-signing key signs from now on; earlier keys keep verifying their bundles',
      },
    },
    async (request) => rotateSigningKey(deps, callerOf(request)),
  );

  app.get(
    '/api/v1/policies/bundles/active',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { tags: TAGS, summary: 'The active bundle: the pointer and what this replica runs' },
    },
    async () => {
      const pointer = await deps.store.active();
      if (pointer === undefined)
        throw pgcErrors.create('PGC_NO_ACTIVE_BUNDLE', 'no policy bundle has been activated yet');
      const running = deps.active.current;
      return {
        ...pointer,
        replica: running === undefined ? null : { bundleId: running.id, generation: running.generation },
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/policies/bundles/:id',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { tags: TAGS, summary: 'One bundle with its policies', params: BundleId },
    },
    async (request) => {
      const bundle = await deps.store.bundle(request.params.id);
      if (bundle === undefined)
        throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${request.params.id}`);
      return summary(bundle);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/policies/bundles/:id/activate',
    {
      config: { auth: { roles: ACTIVATE_ROLES, services: ACTIVATE_SERVICES } },
      schema: {
        tags: TAGS,
        summary: 'Activate a bundle: type check, scenario suites, then every replica swaps to it',
        params: BundleId,
      },
    },
    async (request) => activateBundle(deps, request.params.id, callerOf(request)),
  );
}
