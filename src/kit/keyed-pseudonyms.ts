import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import type { Database } from '../storage/database.js';
import { openSecret, sealSecret } from './secret-envelope.js';

/**
 * Keyed hashes that stand for personal data in log entries (DESIGN.md §2, Log entry): the log is
 * append-only and exported to auditors, so it names people and their identifiers by
 * HMAC-SHA256 under a key of the service that writes them (first 32 hex digits), never in clear.
 * An auditor can tell that two entries name the same value; the service, given the value, can say
 * which entries name it (`hash` again); once the value is erased from the tables that hold it,
 * nothing in the log names it.
 *
 * The key is a random 32 bytes stored, sealed with the key-encryption key, in a table of the
 * owning service (`<service>_secrets`), created by the first replica that needs it.
 */
interface SecretRow {
  name: string;
  value: string;
  created_ms: number;
}

/** The migration creating a service's secrets table (`auth_secrets`, `pgc_secrets`). */
export function secretsTableMigration(table: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable(table)
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

export class KeyedPseudonyms {
  private readonly db: Kysely<Record<string, SecretRow>>;
  private loading: Promise<Buffer> | undefined;
  private key: Buffer | undefined;

  /** `table`: the service's secrets table; `keyName`: the key's row in it. */
  constructor(
    database: Database,
    private readonly table: string,
    private readonly keyName: string,
  ) {
    this.db = database.as<Record<string, SecretRow>>();
  }

  /** Loads (or creates) the key; after it resolves, `hashNow` may be used. */
  async ready(): Promise<void> {
    this.loading ??= this.loadKey().then(
      (key) => {
        this.key = key;
        return key;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    await this.loading;
  }

  /** The keyed hash of `value` in the namespace `kind` (`userId`, `username`, `principalId`). */
  async hash(kind: string, value: string): Promise<string> {
    await this.ready();
    return this.hashNow(kind, value);
  }

  /** `hash` without waiting: the key must be loaded (`ready()`), or this throws. */
  hashNow(kind: string, value: string): string {
    if (this.key === undefined) throw new Error(`the pseudonym key ${this.keyName} is not loaded`);
    return createHmac('sha256', this.key).update(`${kind}:${value}`).digest('hex').slice(0, 32);
  }

  // The first replica to need it creates the key; replicas racing agree on the row stored first.
  private async loadKey(): Promise<Buffer> {
    await this.db
      .insertInto(this.table)
      .values({
        name: this.keyName,
        value: sealSecret(randomBytes(32).toString('base64')),
        created_ms: Date.now(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom(this.table)
      .select('value')
      .where('name', '=', this.keyName)
      .executeTakeFirstOrThrow();
    return Buffer.from(openSecret(row.value), 'base64');
  }
}
