import { EVENT_TYPES } from '../../../kernel/events.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { decoyHash, verifyPassword } from '../password-hasher.js';
import { secretDigest } from '../secret-tokens.js';
import { publishSecurityEvent } from '../security-events.js';
import { startSession, type TokenPair } from '../session-tokens.js';
import type { UserRecord } from '../store.js';
import { matchTotp } from '../totp.js';

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly totp?: string;
  readonly recoveryCode?: string;
  /** The client's address, for the per-IP rate limit and the events. */
  readonly ip: string;
}

const keys = {
  ipRate: (ip: string) => `auth:rate:login:ip:${ip}`,
  accountRate: (name: string) => `auth:rate:login:account:${name}`,
  failures: (name: string) => `auth:login:failures:${name}`,
  lock: (name: string) => `auth:login:lock:${name}`,
};

function retryAfter(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

/**
 * Logs a user in. Order matters: rate limits (per IP, per account name) first, then the lock,
 * then the password (hashed against a decoy for unknown names, so timing reveals nothing), then
 * the second factor. Counters and locks live in the cache store, so replicas share them; they are
 * kept per account *name*, so unknown names lock out like real ones.
 */
export async function login(deps: AuthDeps, input: LoginInput): Promise<TokenPair> {
  const { settings, cache } = deps;
  const name = input.username.toLowerCase();
  for (const [key, limit, what] of [
    [keys.ipRate(input.ip), settings.loginRatePerIp, 'from this address'],
    [keys.accountRate(name), settings.loginRatePerAccount, 'for this account'],
  ] as const) {
    const reading = await cache.increment(key, settings.loginRateWindowMs);
    if (reading.count > limit) {
      throw authErrors.create('AUTH_LOGIN_RATE_LIMITED', `too many login attempts ${what}; try again later`, {
        headers: retryAfter(reading.resetInMs),
      });
    }
  }
  const lockedUntil = Number(await cache.get(keys.lock(name)));
  if (lockedUntil > deps.now()) {
    throw authErrors.create('AUTH_ACCOUNT_LOCKED', 'the account is locked after repeated failed logins', {
      headers: retryAfter(lockedUntil - deps.now()),
    });
  }

  const user = await deps.store.userByName(name);
  const usable = user !== undefined && user.kind === 'user' && !user.disabled && user.passwordHash !== null;
  const passwordOk = await verifyPassword(input.password, usable ? user.passwordHash! : await decoyHash());
  if (!usable || !passwordOk) return failed(deps, input, name, 'credentials');

  if (user.totpEnabled) {
    const second = await checkSecondFactor(deps, user, input);
    if (second === 'missing') {
      throw authErrors.create(
        'AUTH_TOTP_REQUIRED',
        'this account needs a one-time code (totp) or a recovery code',
      );
    }
    // The password was right, so the answer may say what was not (as AUTH_TOTP_REQUIRED does).
    if (second === 'reused')
      return failed(
        deps,
        input,
        name,
        'second-factor',
        'the one-time code was already used; wait for the next one',
      );
    if (second === 'wrong')
      return failed(deps, input, name, 'second-factor', 'the one-time code or recovery code is wrong');
  }

  await cache.delete(keys.failures(name));
  const pair = await startSession(deps, user);
  await publishSecurityEvent(deps, EVENT_TYPES.authLoginSucceeded, {
    username: name,
    userId: user.id,
    ip: input.ip,
  });
  return pair;
}

async function checkSecondFactor(
  deps: AuthDeps,
  user: UserRecord,
  input: LoginInput,
): Promise<'ok' | 'missing' | 'wrong' | 'reused'> {
  if (input.totp !== undefined) {
    const step = user.totpSecret ? matchTotp(user.totpSecret, input.totp, deps.now()) : undefined;
    if (step === undefined) return 'wrong';
    // A valid code whose step is not after the last one used: a replay.
    return (await deps.store.advanceTotpStep(user.id, step)) ? 'ok' : 'reused';
  }
  if (input.recoveryCode !== undefined) {
    const spent = await deps.store.spendRecoveryCode(
      user.id,
      secretDigest(input.recoveryCode.trim().toLowerCase()),
      deps.now(),
    );
    return spent ? 'ok' : 'wrong';
  }
  return 'missing';
}

async function failed(
  deps: AuthDeps,
  input: LoginInput,
  name: string,
  reason: string,
  message = 'the user name or password is wrong',
): Promise<never> {
  const { settings, cache } = deps;
  const failures = await cache.increment(keys.failures(name), settings.failureWindowMs);
  await publishSecurityEvent(deps, EVENT_TYPES.authLoginFailed, { username: name, ip: input.ip, reason });
  if (failures.count >= settings.lockoutThreshold) {
    const until = deps.now() + settings.lockoutMs;
    await cache.set(keys.lock(name), String(until), settings.lockoutMs);
    await cache.delete(keys.failures(name));
    await publishSecurityEvent(deps, EVENT_TYPES.authAccountLocked, {
      username: name,
      ip: input.ip,
      reason: `${failures.count} failed logins`,
    });
    throw authErrors.create('AUTH_ACCOUNT_LOCKED', 'the account is locked after repeated failed logins', {
      headers: retryAfter(settings.lockoutMs),
    });
  }
  throw authErrors.create('AUTH_INVALID_CREDENTIALS', message);
}
