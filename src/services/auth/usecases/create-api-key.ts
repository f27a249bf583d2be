import { EVENT_TYPES } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { BoundAttribute, Role } from '../../../kernel/roles.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { defaultBinding, type PrincipalBinding } from '../principal-bindings.js';
import { newApiKey, secretDigest } from '../secret-tokens.js';
import { publishSecurityEvent } from '../security-events.js';
import type { ApiKeyRecord } from '../store.js';
import { createUser } from './create-user.js';

export interface CreateApiKeyInput {
  /** The service account's name; created (kind `service`, with `roles`) on its first key. */
  readonly account: string;
  readonly roles: readonly Role[];
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly expiresInDays?: number;
  readonly rateLimitPerMinute?: number;
  /**
   * The principal the account decides as (id defaults to the account's name, type to `agent`);
   * given, it replaces the account's binding. Absent on a new account: the account itself.
   */
  readonly principal?: {
    readonly id?: string;
    readonly type?: string;
    readonly roles?: readonly string[];
    readonly attrs?: Readonly<Record<string, BoundAttribute>>;
  };
  /** The account may speak for other principals (MCP gateway, ext_authz, load tests). */
  readonly delegate?: boolean;
  readonly actor: string;
}

export interface ApiKeyView {
  readonly id: string;
  readonly prefix: string;
  readonly account: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly rateLimitPerMinute: number;
  readonly createdAt: string;
  /** The account's binding: whom its keys decide as. */
  readonly principal?: PrincipalBinding['principal'];
  readonly delegate?: boolean;
}

export function apiKeyView(key: ApiKeyRecord, account: string, roles: readonly Role[]): ApiKeyView {
  return {
    id: key.id,
    prefix: key.prefix,
    account,
    name: key.name,
    roles,
    scopes: key.scopes,
    expiresAt: key.expiresMs === null ? null : new Date(key.expiresMs).toISOString(),
    revokedAt: key.revokedMs === null ? null : new Date(key.revokedMs).toISOString(),
    rateLimitPerMinute: key.rateLimit,
    createdAt: new Date(key.createdMs).toISOString(),
  };
}

/** Creates an API key for a service account. The key itself is returned once and stored only as a digest. */
export async function createApiKey(
  deps: AuthDeps,
  input: CreateApiKeyInput,
): Promise<ApiKeyView & { readonly key: string }> {
  const accountName = input.account.toLowerCase();
  let account = await deps.store.userByName(accountName);
  if (account === undefined) {
    await createUser(deps, {
      username: accountName,
      roles: input.roles,
      kind: 'service',
      actor: input.actor,
    });
    account = await deps.store.userByName(accountName);
  }
  if (account === undefined || account.kind !== 'service')
    throw authErrors.create('AUTH_USER_EXISTS', `${accountName} is a user, not a service account`);
  if (input.roles.some((role) => !account.roles.includes(role)))
    throw authErrors.create(
      'AUTH_USER_EXISTS',
      `service account ${accountName} has the roles ${account.roles.join(', ')}`,
    );
  let binding = (await deps.bindings.get(account.id)) ?? defaultBinding(account);
  if (input.principal !== undefined || input.delegate !== undefined) {
    const given = input.principal ?? {};
    binding = {
      principal: {
        id: given.id ?? binding.principal.id,
        type: given.type ?? binding.principal.type,
        roles: [...new Set(given.roles ?? binding.principal.roles)],
        attrs: { ...(given.attrs ?? binding.principal.attrs) },
      },
      delegate: input.delegate ?? binding.delegate,
    };
    await deps.bindings.set(account.id, binding, deps.now());
  }
  const { key, prefix, secret } = newApiKey();
  const now = deps.now();
  const record: ApiKeyRecord = {
    id: newId(now),
    prefix,
    secretHash: secretDigest(secret),
    accountId: account.id,
    name: input.name ?? accountName,
    scopes: [...new Set(input.scopes ?? [])],
    expiresMs: input.expiresInDays === undefined ? null : now + input.expiresInDays * 86_400_000,
    revokedMs: null,
    rateLimit: input.rateLimitPerMinute ?? deps.settings.apiKeyRatePerMinute,
    createdMs: now,
  };
  await deps.store.insertApiKey(record);
  await publishSecurityEvent(deps, EVENT_TYPES.authApiKeyCreated, {
    keyId: record.id,
    keyPrefix: prefix,
    userId: account.id,
    username: account.username,
    roles: account.roles,
    delegate: binding.delegate,
    actor: input.actor,
  });
  return {
    ...apiKeyView(record, account.username, account.roles),
    principal: binding.principal,
    delegate: binding.delegate,
    key,
  };
}
