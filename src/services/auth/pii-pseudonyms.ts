import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { openSecret, sealSecret } from '../../kit/secret-envelope.js';
import type { Database } from '../../storage/database.js';

/**
 * Personal data stays out of the log (DESIGN.md §2, Log entry): security events name people by
 * keyed hash, not in clear. `username`, `userId`, `ip`, `actor` (a user id) and `keyPrefix`
 * become `<field>Hash`: HMAC-SHA256 under a key only the Auth service holds (sealed in
 * `auth_secrets`), first 32 hex digits. An auditor can tell that two entries name the same
 * account or address, and the Auth service, holding the data in its tables, can say which; once
 * a user's row is erased, nothing in the log names them.
 */
interface SecretTable {
  name: string;
  value: string;
  created_ms: number;
}

export const authSecretsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('auth_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
};

const KEY_NAME = 'pii-hash-key';
const FIELDS = ['username', 'userId', 'ip', 'actor', 'keyPrefix'] as const;
/** Actors that are not people. */
const SYSTEM_ACTORS = new Set(['cli', 'bootstrap']);

export class PiiPseudonymizer {
  private readonly db: Kysely<{ auth_secrets: SecretTable }>;
  private key: Promise<Buffer> | undefined;

  constructor(database: Database) {
    this.db = database.as<{ auth_secrets: SecretTable }>();
  }

  /**
   * The event data with personal fields replaced by their keyed hashes. Generic over the data's
   * type so that this module need not import the security events (which import the store).
   */
  async apply<Data extends object>(data: Data): Promise<Data> {
    const out = { ...data } as Record<string, unknown>;
    for (const field of FIELDS) {
      const value = out[field];
      if (typeof value !== 'string' || (field === 'actor' && SYSTEM_ACTORS.has(value))) continue;
      delete out[field];
      out[`${field}Hash`] = await this.hash(field === 'actor' ? 'userId' : field, value);
    }
    return out as unknown as Data;
  }

  /** The keyed hash of `value` as field `field` (an actor hashes like the user id it is). */
  async hash(field: string, value: string): Promise<string> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return createHmac('sha256', await this.key)
      .update(`${field}:${value}`)
      .digest('hex')
      .slice(0, 32);
  }

  // The first replica to need it creates the key; replicas racing agree on the row stored first.
  private async loadKey(): Promise<Buffer> {
    await this.db
      .insertInto('auth_secrets')
      .values({
        name: KEY_NAME,
        value: sealSecret(randomBytes(32).toString('base64')),
        created_ms: Date.now(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('auth_secrets')
      .select('value')
      .where('name', '=', KEY_NAME)
      .executeTakeFirstOrThrow();
    return Buffer.from(openSecret(row.value), 'base64');
  }
}
