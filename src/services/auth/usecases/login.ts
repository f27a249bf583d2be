import { EVENT_TYPES } from '../../../kernel/events.js';
import { openSecret } from '../../../kit/secret-envelope.js';
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

/** Cache keys of the login limits; locks are per account name and client address. */
export const LOGIN_KEYS = {
  ipRate: (ip: string) => `auth:rate:login:ip:${ip}`,
  accountRate: (name: string) => `auth:rate:login:account:${name}`,
  failures: (name: string, ip: string) => `auth:login:failures:${name}:${ip}`,
  lock: (name: string, ip: string) => `auth:login:lock:${name}:${ip}`,
  /** How many locks (name, address) earned in the last day: each doubles the next one. */
  lockCount: (name: string, ip: string) => `auth:login:locks:${name}:${ip}`,
  /** Set by `acgs user unlock` / the unlock route: locks made before it no longer hold. */
  unlocked: (name: string) => `auth:login:unlocked:${name}`,
  /** The name logged in from this address: its logins there pass the per-account limit. */
  knownAddress: (name: string, ip: string) => `auth:login:known:${name}:${ip}`,
};
const keys = LOGIN_KEYS;
/** Longest lock, and how long earned locks are remembered for the backoff. */
const MAX_LOCK_MS = 86_400_000;
/** How long an address the owner logged in from stays known (each login renews it). */
const KNOWN_ADDRESS_MS = 30 * 86_400_000;

function retryAfter(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

/**
 * Logs a user in. Order matters: rate limits (per IP, per account name) first, then the lock,
 * then the password (hashed against a decoy for unknown names, so timing reveals nothing), then
 * the second factor. Counters and locks live in the cache store, so replicas share them. Locks are
 * kept per account *name* and client address: an attacker locks the name only from where they
 * try (unknown names lock like real ones), each further lock from there lasts twice as long (up to
 * a day), and the owner still logs in from elsewhere, or anywhere after an unlock. The per-account
 * rate limit does not apply from an address the name logged in from before (a trusted path).
 */
export async function login(deps: AuthDeps, input: LoginInput): Promise<TokenPair> {
  const { settings, cache } = deps;
  const name = input.username.toLowerCase();
  // The per-account limit caps guessing spread over many addresses, but anyone can spend it: from
  // an address the owner already logged in from (a trusted path) it does not apply, so an attacker
  // elsewhere cannot keep the owner out (that address keeps its own limit and lock).
  const limits: [key: string, limit: number, what: string][] = [
    [keys.ipRate(input.ip), settings.loginRatePerIp, 'from this address'],
  ];
  if (!(await cache.has(keys.knownAddress(name, input.ip))))
    limits.push([keys.accountRate(name), settings.loginRatePerAccount, 'for this account']);
  for (const [key, limit, what] of limits) {
    const reading = await cache.increment(key, settings.loginRateWindowMs);
    if (reading.count > limit) {
      throw authErrors.create('AUTH_LOGIN_RATE_LIMITED', `too many login attempts ${what}; try again later`, {
        headers: retryAfter(reading.resetInMs),
      });
    }
  }
  const lockedUntil = await lockedUntilMs(deps, name, input.ip);
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

  await cache.delete(keys.failures(name, input.ip));
  await cache.set(keys.knownAddress(name, input.ip), '1', KNOWN_ADDRESS_MS);
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
    const step = user.totpSecret ? matchTotp(openSecret(user.totpSecret), input.totp, deps.now()) : undefined;
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
  const failures = await cache.increment(keys.failures(name, input.ip), settings.failureWindowMs);
  await publishSecurityEvent(deps, EVENT_TYPES.authLoginFailed, { username: name, ip: input.ip, reason });
  if (failures.count >= settings.lockoutThreshold) {
    const now = deps.now();
    const earlier = (await cache.increment(keys.lockCount(name, input.ip), MAX_LOCK_MS)).count - 1;
    const lockMs = Math.min(MAX_LOCK_MS, settings.lockoutMs * 2 ** Math.min(earlier, 20));
    await cache.set(keys.lock(name, input.ip), `${now + lockMs}:${now}`, lockMs);
    await cache.delete(keys.failures(name, input.ip));
    await publishSecurityEvent(deps, EVENT_TYPES.authAccountLocked, {
      username: name,
      ip: input.ip,
      reason: `${failures.count} failed logins; locked for ${Math.round(lockMs / 1000)} s from this address`,
    });
    throw authErrors.create('AUTH_ACCOUNT_LOCKED', 'the account is locked after repeated failed logins', {
      headers: retryAfter(lockMs),
    });
  }
  throw authErrors.create('AUTH_INVALID_CREDENTIALS', message);
}

/** When the lock of (name, address) ends (epoch ms), or 0; a lock made before an unlock does not hold. */
async function lockedUntilMs(deps: AuthDeps, name: string, ip: string): Promise<number> {
  const lock = await deps.cache.get(keys.lock(name, ip));
  if (lock === undefined) return 0;
  const [until = 0, since = 0] = lock.split(':').map(Number);
  const unlockedAt = Number(await deps.cache.get(keys.unlocked(name)));
  return Number.isFinite(unlockedAt) && unlockedAt >= since ? 0 : until;
}
