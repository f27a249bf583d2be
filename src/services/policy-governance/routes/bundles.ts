import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../../../kernel/errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import {
  activateDirectly,
  activateForProposal,
  impactOf,
  retireForProposal,
} from '../usecases/council-activation.js';
import { createBundle } from '../usecases/create-bundle.js';
import { draftSynthesizedBundle } from '../usecases/draft-synthesized-bundle.js';
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
  SYNTHESIS_SERVICES,
} from './route-roles.js';
import {
  Activation,
  ActivationReply,
  ActiveBundle,
  Bundle,
  BundleKeys,
  BundleList,
  CreatedBundle,
  DraftedBundle,
  ImpactVerdict,
  Provenance,
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

  app.post(
    '/api/v1/policies/synthesized-bundles',
    {
      config: { auth: { roles: ['service'], services: SYNTHESIS_SERVICES } },
      schema: {
        tags: TAGS,
        summary:
          'For the synthesis service: bundle a synthesized policy set with its provenance (signed, not active)',
        body: Type.Object(
          {
            policies: Type.Array(Type.Object({}, { additionalProperties: true }), {
              minItems: 1,
              maxItems: 10_000,
            }),
            provenance: Provenance,
          },
          { additionalProperties: false },
        ),
        response: { 200: DraftedBundle, 201: DraftedBundle },
      },
    },
    async (request, reply) => {
      const drafted = await draftSynthesizedBundle(deps, request.body, callerOf(request));
      return reply.code(drafted.created ? 201 : 200).send(drafted);
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

  app.get(
    '/api/v1/policies/bundles/:id/impact',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary:
          'How activating the bundle would change what is allowed, relative to the active bundle, as the formal verifier proves it (narrowing only when proved)',
        params: BundleId,
        response: { 200: ImpactVerdict },
      },
    },
    // The domain type is deeply readonly; the schema's static type is its mutable twin.
    async (request) => (await impactOf(deps, request.params.id)) as Static<typeof ImpactVerdict>,
  );

  app.post(
    '/api/v1/policies/bundles/:id/activate',
    {
      config: { auth: { roles: ACTIVATE_ROLES, services: ACTIVATE_SERVICES } },
      schema: {
        tags: TAGS,
        summary:
          'Activate a bundle: type check, scenario suites, then every replica swaps to it. With a council seated: on behalf of a passed proposal (proposalId, the council service), or break-glass for a proved narrowing (reason)',
        params: BundleId,
        // No body schema: the body is optional (an admin's plain activation sends none).
        response: { 200: ActivationReply },
      },
    },
    async (request) => {
      const { reason, proposalId, acceptUnverifiedInvariants } = activationBody(request.body);
      if (proposalId !== undefined)
        return activateForProposal(deps, request.params.id, { proposalId, enactedBy: callerOf(request) });
      return activateDirectly(deps, request.params.id, callerOf(request), reason, {
        ...(acceptUnverifiedInvariants ? { acceptUnverifiedInvariants } : {}),
      });
    },
  );

  app.post(
    '/api/v1/policies/retirements',
    {
      config: { auth: { roles: ['service'], services: ACTIVATE_SERVICES } },
      schema: {
        tags: TAGS,
        summary:
          'The council enacts a passed retire-policy proposal: the active set without the policy, every gate',
        body: Type.Object(
          {
            policyId: Type.String({ minLength: 1, maxLength: 128 }),
            proposalId: Type.String({ format: 'uuid' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Activation },
      },
    },
    async (request) =>
      retireForProposal(deps, request.body.policyId, {
        proposalId: request.body.proposalId,
        enactedBy: callerOf(request),
      }),
  );
}

/**
 * The activation's optional body: `{ reason?, acceptUnverifiedInvariants? }` (an admin; reason for
 * a break-glass) or `{ proposalId? }` (the council). Accepting unverified invariants is an
 * admin's explicit choice, never part of a proposal's enactment (the council voted on the bundle
 * alone).
 */
function activationBody(body: unknown): {
  reason?: string;
  proposalId?: string;
  acceptUnverifiedInvariants?: boolean;
} {
  if (body === undefined || body === null) return {};
  const errors: { pointer: string; detail: string }[] = [];
  if (typeof body !== 'object' || Array.isArray(body))
    errors.push({ pointer: '/body', detail: 'must be an object' });
  const { reason, proposalId, acceptUnverifiedInvariants, ...rest } = (
    typeof body === 'object' ? body : {}
  ) as Record<string, unknown>;
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '' || reason.length > 2000))
    errors.push({ pointer: '/body/reason', detail: 'expected 1 to 2000 characters' });
  if (proposalId !== undefined && (typeof proposalId !== 'string' || !/^[0-9a-f-]{36}$/.test(proposalId)))
    errors.push({ pointer: '/body/proposalId', detail: 'expected a proposal id (UUID)' });
  if (acceptUnverifiedInvariants !== undefined && typeof acceptUnverifiedInvariants !== 'boolean')
    errors.push({ pointer: '/body/acceptUnverifiedInvariants', detail: 'expected a boolean' });
  else if (acceptUnverifiedInvariants === true && proposalId !== undefined)
    errors.push({
      pointer: '/body/acceptUnverifiedInvariants',
      detail: "not with proposalId: a proposal's enactment runs every gate as voted",
    });
  for (const key of Object.keys(rest)) errors.push({ pointer: `/body/${key}`, detail: 'unknown field' });
  if (errors.length > 0)
    throw commonErrors.create('VALIDATION_FAILED', `${errors[0]!.pointer}: ${errors[0]!.detail}`, { errors });
  return {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof proposalId === 'string' ? { proposalId } : {}),
    ...(acceptUnverifiedInvariants === true ? { acceptUnverifiedInvariants: true } : {}),
  };
}
