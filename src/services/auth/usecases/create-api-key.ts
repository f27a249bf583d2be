import { EVENT_TYPES } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { Role } from '../../../kernel/roles.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
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
    actor: input.actor,
  });
  return { ...apiKeyView(record, account.username, account.roles), key };
}
