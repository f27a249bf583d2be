import { EVENT_TYPES } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { Role } from '../../../kernel/roles.js';
import type { AuthDeps } from '../auth-deps.js';
import { authErrors } from '../errors.js';
import { hashPassword } from '../password-hasher.js';
import { publishSecurityEvent } from '../security-events.js';
import { isUniqueViolation, type UserRecord } from '../store.js';

export interface CreateUserInput {
  readonly username: string;
  readonly email?: string;
  /** Absent for a service account (it authenticates with API keys only). */
  readonly password?: string;
  readonly roles: readonly Role[];
  readonly kind?: 'user' | 'service';
  /** Who asked (a user id, or `cli`), for the event. */
  readonly actor: string;
}

/** The public view of a user: never the hash or TOTP secret. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly kind: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly disabled: boolean;
  readonly totpEnabled: boolean;
  readonly createdAt: string;
}

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    kind: user.kind,
    roles: user.roles,
    disabled: user.disabled,
    totpEnabled: user.totpEnabled,
    createdAt: new Date(user.createdMs).toISOString(),
  };
}

export async function createUser(deps: AuthDeps, input: CreateUserInput): Promise<UserView> {
  const kind = input.kind ?? 'user';
  const user: UserRecord = {
    id: newId(),
    username: input.username.toLowerCase(),
    email: input.email?.toLowerCase() ?? null,
    kind,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
    roles: [...new Set(input.roles)],
    disabled: false,
    createdMs: deps.now(),
    totpSecret: null,
    totpEnabled: false,
    totpLastStep: null,
  };
  try {
    await deps.store.insertUser(user);
  } catch (error) {
    if (isUniqueViolation(error))
      throw authErrors.create('AUTH_USER_EXISTS', `a user named ${user.username} or with that email exists`);
    throw error;
  }
  await publishSecurityEvent(deps, EVENT_TYPES.authUserCreated, {
    userId: user.id,
    username: user.username,
    roles: user.roles,
    actor: input.actor,
  });
  return userView(user);
}
