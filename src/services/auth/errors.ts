import { defineErrors } from '../../kernel/errors.js';

/** The Auth service's error catalogue. Login failures share one code so they reveal nothing. */
export const authErrors = defineErrors({
  AUTH_INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  AUTH_TOTP_REQUIRED: { status: 401, title: 'A one-time code is required' },
  AUTH_ACCOUNT_LOCKED: { status: 423, title: 'Account temporarily locked' },
  AUTH_LOGIN_RATE_LIMITED: { status: 429, title: 'Too many login attempts', retryAfterSeconds: 1 },
  AUTH_REFRESH_INVALID: { status: 401, title: 'Refresh token is not valid' },
  AUTH_REFRESH_REUSED: { status: 401, title: 'Refresh token was already used' },
  AUTH_USER_EXISTS: { status: 409, title: 'User already exists' },
  AUTH_USER_NOT_FOUND: { status: 404, title: 'No such user' },
  AUTH_API_KEY_NOT_FOUND: { status: 404, title: 'No such API key' },
  AUTH_TOTP_INVALID: { status: 400, title: 'One-time code is not valid' },
  AUTH_TOTP_STATE: { status: 409, title: 'Two-factor set-up is not in the expected state' },
  AUTH_NOT_A_USER: { status: 400, title: 'This needs a user session' },
});
