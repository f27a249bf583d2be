import { KeyedPseudonyms, secretsTableMigration } from '../../kit/keyed-pseudonyms.js';
import type { Database } from '../../storage/database.js';

/** The PGC's secrets table (the principal-pseudonym key). */
export const pgcSecretsMigration = secretsTableMigration('pgc_secrets');

/** Most principal ids remembered with their pseudonyms (a decision point sees few principals). */
const REMEMBERED = 10_000;

/**
 * Decision entries name a request's principal by pseudonym, not by its id (docs/security.md,
 * "Personal data"): a principal id may name a person (`cfo-human`, a user deciding as themselves,
 * whoever a delegate speaks for), and the log is append-only. The pseudonym is the keyed hash of
 * the id under the PGC's key (`pgc_secrets`, sealed; shared by replicas through the database);
 * an auditor holding a request proves it by its `requestDigest`, and finds a principal's
 * decisions through the PGC, which can hash a given id again.
 *
 * On the decision path: synchronous once `ready()` has loaded the key, and remembered per id.
 */
export class PrincipalPseudonyms {
  private readonly keyed: KeyedPseudonyms;
  private readonly remembered = new Map<string, string>();

  constructor(database: Database) {
    this.keyed = new KeyedPseudonyms(database, 'pgc_secrets', 'principal-hash-key');
  }

  /** Loads the key (the service's start does, before it serves decisions). */
  ready(): Promise<void> {
    return this.keyed.ready();
  }

  /** The pseudonym of principal id `id`. */
  of(id: string): string {
    let pseudonym = this.remembered.get(id);
    if (pseudonym === undefined) {
      pseudonym = this.keyed.hashNow('principalId', id);
      if (this.remembered.size >= REMEMBERED) this.remembered.clear();
      this.remembered.set(id, pseudonym);
    }
    return pseudonym;
  }
}
