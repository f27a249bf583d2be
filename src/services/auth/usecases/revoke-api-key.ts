import { AUTH_CACHE_KEYS } from '../../../kernel/contracts/auth.js';
import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { publishSecurityEvent } from '../security-events.js';

/** How long the revocation mark stays in the cache: far beyond any resolver's cache of the key. */
const REVOCATION_MARK_MS = 24 * 3600 * 1000;

/**
 * Revokes an API key (by id or prefix): marked in the database (the record of truth) and on the
 * cache store's revocation list, which every guard checks on every request.
 */
export async function revokeApiKey(deps: AuthDeps, idOrPrefix: string, actor: string): Promise<void> {
  const key = (await deps.store.apiKeyById(idOrPrefix)) ?? (await deps.store.apiKeyByPrefix(idOrPrefix));
  if (key === undefined) throw authErrors.create('AUTH_API_KEY_NOT_FOUND', `no API key ${idOrPrefix}`);
  await deps.store.revokeApiKey(key.id, deps.now());
  await deps.cache.set(AUTH_CACHE_KEYS.revokedApiKey(key.id), 'revoked', REVOCATION_MARK_MS);
  await publishSecurityEvent(deps, EVENT_TYPES.authApiKeyRevoked, {
    keyId: key.id,
    keyPrefix: key.prefix,
    userId: key.accountId,
    actor,
  });
}
