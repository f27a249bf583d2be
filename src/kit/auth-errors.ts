import { defineErrors } from '../kernel/errors.js';

/** What the guard answers for credentials it cannot accept. All 401 (over a limit is the kit's 429 RATE_LIMITED). */
export const guardErrors = defineErrors({
  AUTH_TOKEN_INVALID: { status: 401, title: 'Access token is not valid' },
  AUTH_TOKEN_EXPIRED: { status: 401, title: 'Access token has expired' },
  AUTH_TOKEN_REVOKED: { status: 401, title: 'Access token has been revoked' },
  AUTH_API_KEY_INVALID: { status: 401, title: 'API key is not valid' },
  AUTH_API_KEY_EXPIRED: { status: 401, title: 'API key has expired' },
  AUTH_API_KEY_REVOKED: { status: 401, title: 'API key has been revoked' },
});

export const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer' } as const;
