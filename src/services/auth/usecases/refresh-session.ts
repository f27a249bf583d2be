import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { secretDigest } from '../secret-tokens.js';
import { publishSecurityEvent } from '../security-events.js';
import { issueTokenPair, revokeSessions, type TokenPair } from '../session-tokens.js';

/**
 * Exchanges a refresh token for a new pair (rotation). A token that was already exchanged means
 * it leaked (or a client raced itself): the whole family is revoked, including the access token
 * it last issued, and `auth.refresh.reused` is published.
 */
export async function refreshSession(deps: AuthDeps, refreshToken: string): Promise<TokenPair> {
  const tokenHash = secretDigest(refreshToken);
  const record = await deps.store.refreshToken(tokenHash);
  if (record === undefined) throw authErrors.create('AUTH_REFRESH_INVALID', 'the refresh token is not valid');
  const session = await deps.store.session(record.sessionId);
  if (session === undefined || session.revokedMs !== null)
    throw authErrors.create('AUTH_REFRESH_INVALID', 'the refresh token has been revoked');
  if (record.usedMs !== null || !(await deps.store.spendRefreshToken(tokenHash, deps.now()))) {
    await revokeSessions(deps, { sessionId: session.id }, 'refresh-token-reuse');
    await publishSecurityEvent(deps, EVENT_TYPES.authRefreshReused, {
      userId: session.userId,
      sessionId: session.id,
      reason: 'a rotated refresh token was presented again; the session is revoked',
    });
    throw authErrors.create(
      'AUTH_REFRESH_REUSED',
      'the refresh token was already used; the session is revoked',
    );
  }
  if (record.expiresMs <= deps.now())
    throw authErrors.create('AUTH_REFRESH_INVALID', 'the refresh token has expired');
  const user = await deps.store.userById(session.userId);
  if (user === undefined || user.disabled) {
    await revokeSessions(deps, { sessionId: session.id }, 'account-disabled');
    throw authErrors.create('AUTH_REFRESH_INVALID', 'the account is disabled');
  }
  return issueTokenPair(deps, user, session.id);
}
