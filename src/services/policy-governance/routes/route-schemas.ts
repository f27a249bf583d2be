import { Type } from '@sinclair/typebox';
import { ImpactReport } from '../../../kit/impact-report-schema.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';

/**
 * Response schemas of the policy and bundle routes (they give the OpenAPI document its answers
 * and Fastify a compiled serializer). Policies stay open objects: their shape is the policy
 * language's (docs/policy-language.md §2), validated by the checker, not by JSON Schema.
 */

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Policy = Type.Unsafe<unknown>(
  Type.Object({}, { additionalProperties: true, description: 'A normalized policy' }),
);

export const PolicyDraft = Type.Object({
  id: Type.String(),
  revision: Type.Integer({ minimum: 1 }),
  policy: Policy,
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

export const PolicyDraftList = Type.Object({ policies: ReadonlyList(PolicyDraft) });

const FieldError = Type.Object(
  { pointer: Type.String(), detail: Type.String() },
  { additionalProperties: true },
);

export const ValidationReport = Type.Object({
  ok: Type.Boolean(),
  constitutionHash: Hash,
  errors: ReadonlyList(FieldError),
  policies: ReadonlyList(
    Type.Object({
      id: Type.String(),
      version: Type.Integer(),
      ok: Type.Boolean(),
      verifiable: Type.Boolean(),
      reasons: ReadonlyList(Type.String()),
    }),
  ),
});

const BundleFields = {
  id: Hash,
  constitutionHash: Hash,
  suites: ReadonlyList(Type.String()),
  signature: Type.String(),
  keyId: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
};

export const BundleSummary = Type.Object(BundleFields);
export const BundleList = Type.Object({ bundles: ReadonlyList(BundleSummary) });
/** Where a bundle's policies came from (a synthesis job), when they were synthesized. */
export const Provenance = Type.Object({}, { additionalProperties: true });
export const Bundle = Type.Object({
  ...BundleFields,
  policies: ReadonlyList(Policy),
  provenance: Type.Optional(Provenance),
});
export const DraftedBundle = Type.Object({
  bundleId: Hash,
  constitutionHash: Hash,
  created: Type.Boolean(),
});
export const CreatedBundle = Type.Object({
  ...BundleFields,
  policies: ReadonlyList(Policy),
  provenance: Type.Optional(Provenance),
  created: Type.Boolean(),
});

export const ActiveBundle = Type.Object({
  bundleId: Hash,
  generation: Type.Integer(),
  activatedAt: Type.String(),
  activatedBy: Type.String(),
  replica: Type.Union([Type.Object({ bundleId: Hash, generation: Type.Integer() }), Type.Null()]),
});

export const Activation = Type.Object({
  bundleId: Hash,
  generation: Type.Integer(),
  previousBundleId: Type.Union([Hash, Type.Null()]),
  constitutionHash: Hash,
  activatedAt: Type.String(),
  activatedBy: Type.String(),
  gates: ReadonlyList(Type.Object({ name: Type.String() }, { additionalProperties: true })),
});

/** An activation's answer; a break-glass activation adds the ratification proposal it raised. */
export const ActivationReply = Type.Object({
  ...Activation.properties,
  breakGlass: Type.Optional(
    Type.Object({ ratificationProposalId: Type.Union([Type.String(), Type.Null()]) }),
  ),
});

export const ImpactVerdict = Type.Object({ bundleId: Type.String(), ...ImpactReport.properties });

const BundleKey = Type.Object({ keyId: Type.String(), publicKey: Type.String(), createdAt: Type.String() });

export const BundleKeys = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  keyId: Type.String(),
  publicKey: Type.String({ description: 'Raw 32-byte Ed25519 public key, base64' }),
  message: Type.String({ description: 'What is signed' }),
  keys: ReadonlyList(BundleKey, {
    description: 'Every key, newest first; each verifies the bundles naming it',
  }),
});

export const RotatedKey = Type.Object({
  keyId: Type.String(),
  publicKey: Type.String(),
  previousKeyId: Type.String(),
  keys: ReadonlyList(BundleKey),
});
