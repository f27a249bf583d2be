import { type TSchema, Type } from '@sinclair/typebox';
import { ROLES, type Role } from '../../../kernel/roles.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';

/** Every role: routes any signed-in caller may use. */
export const ANY_ROLE: readonly Role[] = ROLES;
export const ADMIN: readonly Role[] = ['admin'];

export const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));
export const Username = Type.String({
  pattern: '^[A-Za-z0-9._@-]{3,64}$',
  description: 'letters, digits, . _ @ -',
});
export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const TokenPairSchema = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' }),
  refreshToken: Type.String(),
  refreshExpiresIn: Type.Integer({ description: 'seconds' }),
});

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union([Type.Literal('user'), Type.Literal('service')]),
  roles: ReadonlyList(RoleSchema),
  disabled: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  createdAt: Type.String(),
});

const apiKeyFields = {
  id: Type.String(),
  prefix: Type.String(),
  account: Type.String(),
  name: Type.String(),
  roles: ReadonlyList(RoleSchema),
  scopes: ReadonlyList(Type.String()),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  rateLimitPerMinute: Type.Integer(),
  createdAt: Type.String(),
};
export const ApiKeySchema = Type.Object(apiKeyFields);

const Scalar = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]);
/** A fixed attribute of a bound principal: a scalar or a list of scalars. */
export const BoundAttributeSchema = Type.Union([Scalar, ReadonlyList(Scalar, { maxItems: 64 })]);
export const BoundPrincipalSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  roles: ReadonlyList(Type.String()),
  attrs: Type.Record(Type.String(), BoundAttributeSchema),
});
export const NewApiKeySchema = Type.Object({
  ...apiKeyFields,
  principal: Type.Optional(BoundPrincipalSchema),
  delegate: Type.Optional(Type.Boolean()),
  key: Type.String({ description: 'the key itself: shown this once, stored only as a digest' }),
});

export function tagged(summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { tags: ['auth'], summary, ...extra };
}

export const NoContent: TSchema = Type.Null();
