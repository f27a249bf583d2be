import type { Kysely, Migration } from 'kysely';
import { authSecretsMigration } from './pii-pseudonyms.js';
import { principalBindingMigration } from './principal-bindings.js';

/**
 * The Auth service's tables. Secrets are never stored in the clear: passwords as scrypt hashes,
 * refresh tokens, API-key secrets and recovery codes as SHA-256 of high-entropy random values.
 * Users and service accounts share `auth_users` (`kind`), service accounts have no password.
 */
export interface UserTable {
  id: string;
  username: string;
  email: string | null;
  kind: string;
  password_hash: string | null;
  roles: string;
  disabled: number;
  created_ms: number;
  totp_secret: string | null;
  totp_enabled: number;
  totp_last_step: number | null;
}

interface RecoveryCodeTable {
  user_id: string;
  code_hash: string;
  used_ms: number | null;
}

interface SessionTable {
  id: string;
  user_id: string;
  created_ms: number;
  revoked_ms: number | null;
  revoked_reason: string | null;
  access_jti: string | null;
  access_exp_ms: number | null;
}

interface RefreshTokenTable {
  token_hash: string;
  session_id: string;
  issued_ms: number;
  expires_ms: number;
  used_ms: number | null;
}

export interface ApiKeyTable {
  id: string;
  prefix: string;
  secret_hash: string;
  account_id: string;
  name: string;
  scopes: string;
  expires_ms: number | null;
  revoked_ms: number | null;
  rate_limit: number;
  created_ms: number;
}

interface SigningKeyTable {
  kid: string;
  private_pkcs8: string;
  public_x: string;
  created_ms: number;
  retired_ms: number | null;
}

interface OutboxTable {
  id: string;
  type: string;
  time: string;
  data: string;
}

export interface AuthTables {
  auth_outbox: OutboxTable;
  auth_users: UserTable;
  auth_recovery_codes: RecoveryCodeTable;
  auth_sessions: SessionTable;
  auth_refresh_tokens: RefreshTokenTable;
  auth_api_keys: ApiKeyTable;
  auth_signing_keys: SigningKeyTable;
}

export const authMigrations: Readonly<Record<string, Migration>> = {
  '0001_auth': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('totp_secret', 'text')
        .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('totp_last_step', 'bigint')
        .execute();
      await db.schema
        .createTable('auth_recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('used_ms', 'bigint')
        .addPrimaryKeyConstraint('auth_recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();
      await db.schema
        .createTable('auth_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('revoked_ms', 'bigint')
        .addColumn('revoked_reason', 'text')
        .addColumn('access_jti', 'text')
        .addColumn('access_exp_ms', 'bigint')
        .execute();
      await db.schema.createIndex('auth_sessions_user').on('auth_sessions').column('user_id').execute();
      await db.schema
        .createTable('auth_refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('issued_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_ms', 'bigint', (c) => c.notNull())
        .addColumn('used_ms', 'bigint')
        .execute();
      await db.schema
        .createIndex('auth_refresh_tokens_session')
        .on('auth_refresh_tokens')
        .column('session_id')
        .execute();
      await db.schema
        .createTable('auth_api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('prefix', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('expires_ms', 'bigint')
        .addColumn('revoked_ms', 'bigint')
        .addColumn('rate_limit', 'integer', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auth_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_pkcs8', 'text', (c) => c.notNull())
        .addColumn('public_x', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('retired_ms', 'bigint')
        .execute();
    },
  },
  '0002_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_principal_bindings': principalBindingMigration,
  '0004_secrets': authSecretsMigration,
};
