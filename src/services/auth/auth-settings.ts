import { ConfigError, EnvReader } from '../../kernel/config.js';

/** The Auth service's tunables, from the environment (documented in docs/auth.md). */
export interface AuthSettings {
  /** Access-token lifetime, seconds (15 minutes). */
  readonly accessTokenTtlSeconds: number;
  /** Refresh-token lifetime, seconds (7 days); each refresh issues a new one. */
  readonly refreshTokenTtlSeconds: number;
  /** Failed logins (per account name) that lock it. */
  readonly lockoutThreshold: number;
  /** How long a lock lasts. */
  readonly lockoutMs: number;
  /** The window failed logins are counted in (15 minutes). */
  readonly failureWindowMs: number;
  /** Login attempts allowed per client IP and per account name in each rate window. */
  readonly loginRatePerIp: number;
  readonly loginRatePerAccount: number;
  readonly loginRateWindowMs: number;
  /** After a rotation, how long the new key is published before it signs. */
  readonly keyActivationMs: number;
  /** A new API key's own per-minute limit unless its creator sets one; 0: none, the per-client limit applies. */
  readonly apiKeyRatePerMinute: number;
  /** The first admin's password; absent: generated and printed once to stderr. */
  readonly adminPassword: string | undefined;
  readonly adminUsername: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export const AUTH_VARIABLES = [
  ['ACGS_ADMIN_USERNAME', 'the first admin account name', 'admin'],
  ['ACGS_ADMIN_PASSWORD', 'the first admin password (at least 12 characters)', 'generated, printed once'],
  ['ACGS_AUTH_LOCKOUT_MS', 'how long a lockout lasts, ms (1000 to 86400000)', '900000'],
  ['ACGS_AUTH_LOCKOUT_THRESHOLD', 'failed logins before a lockout (1 to 100)', '5'],
  ['ACGS_AUTH_LOGIN_RATE_PER_IP', 'login attempts per client IP per window (1 to 100000)', '30'],
  ['ACGS_AUTH_LOGIN_RATE_PER_ACCOUNT', 'login attempts per account per window (1 to 100000)', '10'],
  ['ACGS_AUTH_LOGIN_RATE_WINDOW_MS', 'the login rate window, ms (1000 to 3600000)', '60000'],
  [
    'ACGS_AUTH_KEY_ACTIVATION_MS',
    'after a key rotation, ms the new key is published before it signs (0 to 3600000)',
    '10000',
  ],
  [
    'ACGS_AUTH_API_KEY_RATE',
    'requests per minute a new API key may make (0: none of its own, the per-client limit ACGS_RATE_LIMIT_PER_MINUTE applies; up to 1000000)',
    '0',
  ],
] as const;

/** Reads and validates the Auth settings; throws ConfigError naming every bad variable. */
export function loadAuthSettings(env: Env = process.env): AuthSettings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const adminPassword = env.ACGS_ADMIN_PASSWORD === '' ? undefined : env.ACGS_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length < 12)
    problems.push('ACGS_ADMIN_PASSWORD: expected at least 12 characters');
  const adminUsername = env.ACGS_ADMIN_USERNAME?.trim() || 'admin';
  if (!USERNAME.test(adminUsername))
    problems.push(`ACGS_ADMIN_USERNAME: expected a user name matching ${USERNAME}`);
  const settings: AuthSettings = {
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 7 * 24 * 3600,
    lockoutThreshold: read.integer('ACGS_AUTH_LOCKOUT_THRESHOLD', 5, 1, 100),
    lockoutMs: read.integer('ACGS_AUTH_LOCKOUT_MS', 15 * 60_000, 1000, 86_400_000),
    failureWindowMs: 15 * 60_000,
    loginRatePerIp: read.integer('ACGS_AUTH_LOGIN_RATE_PER_IP', 30, 1, 100_000),
    loginRatePerAccount: read.integer('ACGS_AUTH_LOGIN_RATE_PER_ACCOUNT', 10, 1, 100_000),
    loginRateWindowMs: read.integer('ACGS_AUTH_LOGIN_RATE_WINDOW_MS', 60_000, 1000, 3_600_000),
    keyActivationMs: read.integer('ACGS_AUTH_KEY_ACTIVATION_MS', 10_000, 0, 3_600_000),
    apiKeyRatePerMinute: read.integer('ACGS_AUTH_API_KEY_RATE', 0, 0, 1_000_000),
    adminPassword,
    adminUsername,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** User and service-account names: 3–64 of letters, digits, `.`, `_`, `-`, `@`. */
export const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;
