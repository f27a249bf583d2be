import type { Kysely } from 'kysely';
import type { EventEnvelope } from '../../kernel/events.js';
import type { Role } from '../../kernel/roles.js';
import type { Database } from '../../storage/database.js';
import type { ApiKeyTable, AuthTables, UserTable } from './auth-schema.js';

export { type AuthTables, authMigrations } from './auth-schema.js';

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly kind: 'user' | 'service';
  readonly passwordHash: string | null;
  readonly roles: readonly Role[];
  readonly disabled: boolean;
  readonly createdMs: number;
  readonly totpSecret: string | null;
  readonly totpEnabled: boolean;
  readonly totpLastStep: number | null;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly prefix: string;
  readonly secretHash: string;
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresMs: number | null;
  readonly revokedMs: number | null;
  readonly rateLimit: number;
  readonly createdMs: number;
}

export interface SigningKeyRecord {
  readonly kid: string;
  readonly privatePkcs8: string;
  readonly publicX: string;
  readonly createdMs: number;
  readonly retiredMs: number | null;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly revokedMs: number | null;
  readonly accessJti: string | null;
  readonly accessExpMs: number | null;
}

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly sessionId: string;
  readonly expiresMs: number;
  readonly usedMs: number | null;
}

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toUser(row: UserTable): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    kind: row.kind === 'service' ? 'service' : 'user',
    passwordHash: row.password_hash,
    roles: JSON.parse(row.roles) as Role[],
    disabled: Number(row.disabled) === 1,
    createdMs: Number(row.created_ms),
    totpSecret: row.totp_secret,
    totpEnabled: Number(row.totp_enabled) === 1,
    totpLastStep: num(row.totp_last_step),
  };
}

function toApiKey(row: ApiKeyTable): ApiKeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    secretHash: row.secret_hash,
    accountId: row.account_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    expiresMs: num(row.expires_ms),
    revokedMs: num(row.revoked_ms),
    rateLimit: Number(row.rate_limit),
    createdMs: Number(row.created_ms),
  };
}

/** Whether an insert failed on a unique constraint (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/** Queries over the Auth tables; no other service touches them. */
export class AuthStore {
  readonly db: Kysely<AuthTables>;

  constructor(database: Database) {
    this.db = database.as<AuthTables>();
  }

  /** Keeps an event until the bus has it (see `SecurityEventOutbox`). */
  async insertOutboxEvent(event: EventEnvelope): Promise<void> {
    await this.db
      .insertInto('auth_outbox')
      .values({ id: event.id, type: event.type, time: event.time, data: JSON.stringify(event.data ?? null) })
      .execute();
  }

  /** The oldest events not yet on the bus (ids are time-ordered UUIDv7s). */
  async pendingOutboxEvents(limit: number): Promise<EventEnvelope[]> {
    const rows = await this.db.selectFrom('auth_outbox').selectAll().orderBy('id').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      source: 'auth' as const,
      time: row.time,
      data: JSON.parse(row.data) as unknown,
    }));
  }

  async removeOutboxEvents(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('auth_outbox').where('id', 'in', ids).execute();
  }

  async insertUser(user: UserRecord): Promise<void> {
    await this.db
      .insertInto('auth_users')
      .values({
        id: user.id,
        username: user.username,
        email: user.email,
        kind: user.kind,
        password_hash: user.passwordHash,
        roles: JSON.stringify(user.roles),
        disabled: user.disabled ? 1 : 0,
        created_ms: user.createdMs,
        totp_secret: null,
        totp_enabled: 0,
        totp_last_step: null,
      })
      .execute();
  }

  async userByName(username: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('auth_users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async userById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('auth_users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db
      .selectFrom('auth_users')
      .selectAll()
      .orderBy('created_ms')
      .orderBy('username')
      .execute();
    return rows.map(toUser);
  }

  async countAdmins(): Promise<number> {
    const rows = await this.db.selectFrom('auth_users').select('roles').where('kind', '=', 'user').execute();
    return rows.filter((row) => (JSON.parse(row.roles) as string[]).includes('admin')).length;
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_users')
      .set({ disabled: disabled ? 1 : 0 })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setTotpSecret(id: string, secret: string): Promise<void> {
    await this.db
      .updateTable('auth_users')
      .set({ totp_secret: secret, totp_enabled: 0, totp_last_step: null })
      .where('id', '=', id)
      .execute();
  }

  async enableTotp(id: string, step: number, recoveryCodeHashes: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('auth_users')
        .set({ totp_enabled: 1, totp_last_step: step })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('auth_recovery_codes').where('user_id', '=', id).execute();
      await trx
        .insertInto('auth_recovery_codes')
        .values(recoveryCodeHashes.map((code_hash) => ({ user_id: id, code_hash, used_ms: null })))
        .execute();
    });
  }

  /** Records a TOTP step as used, only if it is later than the last one (no replay). */
  async advanceTotpStep(id: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_users')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Spends a recovery code; true only for the one call that spent it. */
  async spendRecoveryCode(userId: string, codeHash: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_recovery_codes')
      .set({ used_ms: nowMs })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_ms', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertSession(id: string, userId: string, nowMs: number): Promise<void> {
    await this.db
      .insertInto('auth_sessions')
      .values({
        id,
        user_id: userId,
        created_ms: nowMs,
        revoked_ms: null,
        revoked_reason: null,
        access_jti: null,
        access_exp_ms: null,
      })
      .execute();
  }

  async session(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('auth_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row
      ? {
          id: row.id,
          userId: row.user_id,
          revokedMs: num(row.revoked_ms),
          accessJti: row.access_jti,
          accessExpMs: num(row.access_exp_ms),
        }
      : undefined;
  }

  async setSessionAccess(id: string, jti: string, expMs: number): Promise<void> {
    await this.db
      .updateTable('auth_sessions')
      .set({ access_jti: jti, access_exp_ms: expMs })
      .where('id', '=', id)
      .execute();
  }

  /** Revokes sessions (a family each); returns the still-live access tokens they last issued. */
  async revokeSessions(
    where: { readonly sessionId: string } | { readonly userId: string },
    nowMs: number,
    reason: string,
  ): Promise<{ sessionId: string; jti: string; expMs: number }[]> {
    const live = await this.db
      .selectFrom('auth_sessions')
      .select(['id', 'access_jti', 'access_exp_ms'])
      .where(
        'sessionId' in where ? 'id' : 'user_id',
        '=',
        'sessionId' in where ? where.sessionId : where.userId,
      )
      .where('revoked_ms', 'is', null)
      .execute();
    if (live.length === 0) return [];
    await this.db
      .updateTable('auth_sessions')
      .set({ revoked_ms: nowMs, revoked_reason: reason })
      .where(
        'id',
        'in',
        live.map((row) => row.id),
      )
      .where('revoked_ms', 'is', null)
      .execute();
    return live
      .filter((row) => row.access_jti !== null && num(row.access_exp_ms)! > nowMs)
      .map((row) => ({ sessionId: row.id, jti: row.access_jti!, expMs: num(row.access_exp_ms)! }));
  }

  /** Access tokens of revoked sessions that have not expired yet (to restore the revocation list). */
  async revokedLiveAccessTokens(nowMs: number): Promise<{ sessionId: string; jti: string; expMs: number }[]> {
    const rows = await this.db
      .selectFrom('auth_sessions')
      .select(['id', 'access_jti', 'access_exp_ms'])
      .where('revoked_ms', 'is not', null)
      .where('access_jti', 'is not', null)
      .where('access_exp_ms', '>', nowMs)
      .execute();
    return rows.map((row) => ({ sessionId: row.id, jti: row.access_jti!, expMs: Number(row.access_exp_ms) }));
  }

  async insertRefreshToken(token: RefreshTokenRecord, nowMs: number): Promise<void> {
    await this.db
      .insertInto('auth_refresh_tokens')
      .values({
        token_hash: token.tokenHash,
        session_id: token.sessionId,
        issued_ms: nowMs,
        expires_ms: token.expiresMs,
        used_ms: null,
      })
      .execute();
  }

  async refreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('auth_refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row
      ? {
          tokenHash: row.token_hash,
          sessionId: row.session_id,
          expiresMs: Number(row.expires_ms),
          usedMs: num(row.used_ms),
        }
      : undefined;
  }

  /** Marks a refresh token used; true only for the one call that used it (concurrent refreshes). */
  async spendRefreshToken(tokenHash: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_refresh_tokens')
      .set({ used_ms: nowMs })
      .where('token_hash', '=', tokenHash)
      .where('used_ms', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('auth_api_keys')
      .values({
        id: key.id,
        prefix: key.prefix,
        secret_hash: key.secretHash,
        account_id: key.accountId,
        name: key.name,
        scopes: JSON.stringify(key.scopes),
        expires_ms: key.expiresMs,
        revoked_ms: key.revokedMs,
        rate_limit: key.rateLimit,
        created_ms: key.createdMs,
      })
      .execute();
  }

  async apiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('auth_api_keys')
      .selectAll()
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    return row ? toApiKey(row) : undefined;
  }

  async apiKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('auth_api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toApiKey(row) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('auth_api_keys').selectAll().orderBy('created_ms').execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_api_keys')
      .set({ revoked_ms: nowMs })
      .where('id', '=', id)
      .where('revoked_ms', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.db
      .insertInto('auth_signing_keys')
      .values({
        kid: key.kid,
        private_pkcs8: key.privatePkcs8,
        public_x: key.publicX,
        created_ms: key.createdMs,
        retired_ms: key.retiredMs,
      })
      .execute();
  }

  /** Keys still published: not retired, or retired after `publishedSinceMs`. */
  async signingKeys(publishedSinceMs: number): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('auth_signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_ms', 'is', null), eb('retired_ms', '>', publishedSinceMs)]))
      .orderBy('created_ms', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map((row) => ({
      kid: row.kid,
      privatePkcs8: row.private_pkcs8,
      publicX: row.public_x,
      createdMs: Number(row.created_ms),
      retiredMs: num(row.retired_ms),
    }));
  }

  /** Retires every other key that is not retired yet, at `retireAtMs` (they sign until then). */
  async retireSigningKeysExcept(kid: string, retireAtMs: number): Promise<void> {
    await this.db
      .updateTable('auth_signing_keys')
      .set({ retired_ms: retireAtMs })
      .where('kid', '!=', kid)
      .where('retired_ms', 'is', null)
      .execute();
  }
}
