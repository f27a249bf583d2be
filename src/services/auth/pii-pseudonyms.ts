import { KeyedPseudonyms, secretsTableMigration } from '../../kit/keyed-pseudonyms.js';
import type { Database } from '../../storage/database.js';

/**
 * Personal data stays out of the log (DESIGN.md §2, Log entry): security events name people by
 * keyed hash, not in clear. `username`, `userId`, `ip`, `actor` (a user id) and `keyPrefix`
 * become `<field>Hash` (`KeyedPseudonyms` under the key `pii-hash-key` in `auth_secrets`). The
 * same hash of a user id is every caller's pseudonym elsewhere (`psn` in access tokens, and
 * `pseudonym` of a resolved API key), so other services name the acting user as these events do.
 */
export const authSecretsMigration = secretsTableMigration('auth_secrets');

const FIELDS = ['username', 'userId', 'ip', 'actor', 'keyPrefix'] as const;
/** Actors that are not people. */
const SYSTEM_ACTORS = new Set(['cli', 'bootstrap']);

export class PiiPseudonymizer {
  private readonly keyed: KeyedPseudonyms;

  constructor(database: Database) {
    this.keyed = new KeyedPseudonyms(database, 'auth_secrets', 'pii-hash-key');
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
  hash(field: string, value: string): Promise<string> {
    return this.keyed.hash(field, value);
  }

  /** A user's or service account's pseudonym: the keyed hash of its id (its events' `userIdHash`). */
  ofAccount(accountId: string): Promise<string> {
    return this.keyed.hash('userId', accountId);
  }
}
