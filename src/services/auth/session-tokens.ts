import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AUTH_CACHE_KEYS } from '../../kernel/contracts/auth.js';
import { newId } from '../../kernel/ids.js';
import type { AuthDeps } from './auth-deps.js';
import { newRefreshToken, secretDigest } from './secret-tokens.js';
import type { UserRecord } from './store.js';

/** What login and refresh answer. */
export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
}

/** Signs an access token for a user in a session and records its id on the session. */
async function issueAccessToken(deps: AuthDeps, user: UserRecord, sessionId: string): Promise<string> {
  const iat = Math.floor(deps.now() / 1000);
  const exp = iat + deps.settings.accessTokenTtlSeconds;
  const jti = newId();
  const token = await deps.keyRing.sign({
    iss: ACCESS_TOKEN_ISSUER,
    aud: ACCESS_TOKEN_AUDIENCE,
    sub: user.id,
    name: user.username,
    roles: user.roles,
    scope: '',
    kind: user.kind,
    sid: sessionId,
    // The user's pseudonym: what other services write in log entries instead of the user's id.
    psn: await deps.pseudonyms.ofAccount(user.id),
    jti,
    iat,
    exp,
  });
  await deps.store.setSessionAccess(sessionId, jti, exp * 1000);
  return token;
}

/** Issues a refresh token in a session (a rotation family) and an access token. */
export async function issueTokenPair(
  deps: AuthDeps,
  user: UserRecord,
  sessionId: string,
): Promise<TokenPair> {
  const refreshToken = newRefreshToken();
  const ttl = deps.settings.refreshTokenTtlSeconds;
  await deps.store.insertRefreshToken(
    { tokenHash: secretDigest(refreshToken), sessionId, expiresMs: deps.now() + ttl * 1000, usedMs: null },
    deps.now(),
  );
  const accessToken = await issueAccessToken(deps, user, sessionId);
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresIn: deps.settings.accessTokenTtlSeconds,
    refreshToken,
    refreshExpiresIn: ttl,
  };
}

export async function startSession(deps: AuthDeps, user: UserRecord): Promise<TokenPair> {
  const sessionId = newId();
  await deps.store.insertSession(sessionId, user.id, deps.now());
  return issueTokenPair(deps, user, sessionId);
}

/**
 * Revokes sessions (each a refresh-token family) and puts them and their last access token on
 * the revocation list until that token expires (every earlier token of the session expires
 * sooner), so every replica's guard refuses every access token of the session at once: the
 * guard checks a token's `sid` against the list.
 */
export async function revokeSessions(
  deps: AuthDeps,
  where: { readonly sessionId: string } | { readonly userId: string },
  reason: string,
): Promise<number> {
  const now = deps.now();
  const live = await deps.store.revokeSessions(where, now, reason);
  for (const token of live) await listRevoked(deps, token, reason, now);
  return live.length;
}

async function listRevoked(
  deps: AuthDeps,
  token: { readonly sessionId: string; readonly jti: string; readonly expMs: number },
  reason: string,
  now: number,
): Promise<void> {
  const ttl = token.expMs - now + 120_000;
  await deps.cache.set(AUTH_CACHE_KEYS.revokedSession(token.sessionId), reason, ttl);
  await deps.cache.set(AUTH_CACHE_KEYS.revokedToken(token.jti), reason, ttl);
}

/**
 * Puts the access tokens of revoked sessions back on the revocation list. The list lives in the
 * cache store, which an embedded restart (in-process cache) or a Redis restart empties; the
 * database remembers every revocation, so start-up restores the ones whose tokens still live.
 */
export async function restoreRevocations(deps: AuthDeps): Promise<number> {
  const now = deps.now();
  const live = await deps.store.revokedLiveAccessTokens(now);
  for (const token of live) await listRevoked(deps, token, 'restored', now);
  // Set after the marks: a crash in between leaves the marker absent, and the list is made again.
  await deps.cache.set(AUTH_CACHE_KEYS.revocationsListed, new Date(now).toISOString());
  return live.length;
}

/**
 * Lists the revocations again when the cache lost them (its marker is gone: a Redis restart
 * without persistence, a failover to an empty replica); undefined when nothing was lost. Each
 * Auth replica checks every second, so a revoked token is refused again within about a second
 * of the cache's return — the bound revocation already has across replicas.
 */
export async function relistRevocationsIfLost(deps: AuthDeps): Promise<number | undefined> {
  if (await deps.cache.has(AUTH_CACHE_KEYS.revocationsListed)) return undefined;
  return restoreRevocations(deps);
}
