/**
 * The Policy Governance Compiler's tables. Bundles are insert-only (content-addressed, so a
 * repeated insert is a no-op); the active pointer is one row whose generation grows with each
 * activation; the decision outbox holds asynchronously acknowledged decisions until the log has
 * them; the signing key is created once by the first replica and shared by all.
 */
import type { Kysely, Migration, Transaction } from 'kysely';
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import type { Database } from '../../storage/database.js';
import { pgcSecretsMigration } from './principal-pseudonyms.js';

interface DraftTable {
  id: string;
  revision: number;
  policy: string;
  created_ms: number;
  created_by: string;
  updated_ms: number;
  updated_by: string;
}

interface BundleTable {
  id: string;
  constitution_hash: string;
  constitution: string;
  policies: string;
  suites: string;
  signature: string;
  key_id: string;
  created_ms: number;
  created_by: string;
  /** JSON: where the policies came from (a synthesis job's provenance), or null. */
  provenance: string | null;
}

interface ActiveTable {
  slot: string;
  bundle_id: string;
  generation: number;
  activated_ms: number;
  activated_by: string;
}

interface SigningKeyTable {
  id: string;
  private_key: string;
  public_key: string;
  key_id: string;
  created_ms: number;
}

interface OutboxTable {
  entry_key: string;
  entry: string;
  created_ms: number;
}

export interface PgcTables {
  pgc_policy_drafts: DraftTable;
  pgc_bundles: BundleTable;
  pgc_active_bundle: ActiveTable;
  pgc_signing_keys: SigningKeyTable;
  pgc_decision_outbox: OutboxTable;
}

export const pgcMigrations: Readonly<Record<string, Migration>> = {
  '0001_drafts_bundles_active_keys_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pgc_policy_drafts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pgc_bundles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('constitution_hash', 'text', (c) => c.notNull())
        .addColumn('constitution', 'text', (c) => c.notNull())
        .addColumn('policies', 'text', (c) => c.notNull())
        .addColumn('suites', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pgc_active_bundle')
        .addColumn('slot', 'text', (c) => c.primaryKey())
        .addColumn('bundle_id', 'text', (c) => c.notNull())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .addColumn('activated_ms', 'bigint', (c) => c.notNull())
        .addColumn('activated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pgc_signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pgc_decision_outbox')
        .addColumn('entry_key', 'text', (c) => c.primaryKey())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_secrets': pgcSecretsMigration,
  '0003_bundle_provenance': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('pgc_bundles').addColumn('provenance', 'text').execute();
    },
  },
};

export interface StoredDraft {
  readonly id: string;
  readonly revision: number;
  readonly policy: unknown;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface StoredBundle {
  readonly id: string;
  readonly constitutionHash: string;
  /**
   * The constitution document the bundle targets (its canonical hash is `constitutionHash`), kept
   * so that a replica can load the bundle whatever version is active by then.
   */
  readonly constitution: ConstitutionDocument;
  /** Normalized policies, sorted by id. */
  readonly policies: readonly unknown[];
  /** Ids of the scenario suites pinned for activation. */
  readonly suites: readonly string[];
  readonly signature: string;
  readonly keyId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Where the policies came from (a synthesis job: job, provider, model, prompt hash, rounds, verification). */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

export type BundleSummary = Omit<StoredBundle, 'policies' | 'constitution' | 'provenance'>;

export interface ActivePointer {
  readonly bundleId: string;
  readonly generation: number;
  readonly activatedAt: string;
  readonly activatedBy: string;
}

export interface StoredSigningKey {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly keyId: string;
}

/** A log entry of decisions waiting in the outbox, keyed by its idempotency key. */
export interface OutboxRow {
  readonly key: string;
  readonly entry: string;
}

type Tx = Kysely<PgcTables> | Transaction<PgcTables>;
const ACTIVE_SLOT = 'active';
const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

export class PgcStore {
  readonly db: Kysely<PgcTables>;

  constructor(database: Database) {
    this.db = database.as<PgcTables>();
  }

  transaction<T>(work: (tx: Transaction<PgcTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // Drafts

  async draft(id: string, tx: Tx = this.db): Promise<StoredDraft | undefined> {
    const row = await tx.selectFrom('pgc_policy_drafts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : draftOf(row);
  }

  async drafts(limit: number, after?: string): Promise<StoredDraft[]> {
    let query = this.db.selectFrom('pgc_policy_drafts').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(draftOf);
  }

  async allDrafts(): Promise<StoredDraft[]> {
    return (await this.db.selectFrom('pgc_policy_drafts').selectAll().orderBy('id').execute()).map(draftOf);
  }

  async insertDraft(tx: Tx, id: string, policy: unknown, by: string, nowMs: number): Promise<void> {
    await tx
      .insertInto('pgc_policy_drafts')
      .values({
        id,
        revision: 1,
        policy: JSON.stringify(policy),
        created_ms: nowMs,
        created_by: by,
        updated_ms: nowMs,
        updated_by: by,
      })
      .execute();
  }

  /** Updates a draft if its revision is still `revision`; returns false when it changed meanwhile. */
  async updateDraft(
    tx: Tx,
    id: string,
    revision: number,
    policy: unknown,
    by: string,
    nowMs: number,
  ): Promise<boolean> {
    const result = await tx
      .updateTable('pgc_policy_drafts')
      .set({ revision: revision + 1, policy: JSON.stringify(policy), updated_ms: nowMs, updated_by: by })
      .where('id', '=', id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteDraft(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('pgc_policy_drafts').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  // Bundles

  /** Stores a bundle; a bundle with the same id (same content) is left as it is. */
  async insertBundle(bundle: StoredBundle, createdMs: number): Promise<void> {
    await this.db
      .insertInto('pgc_bundles')
      .values({
        id: bundle.id,
        constitution_hash: bundle.constitutionHash,
        constitution: JSON.stringify(bundle.constitution),
        policies: JSON.stringify(bundle.policies),
        suites: JSON.stringify(bundle.suites),
        signature: bundle.signature,
        key_id: bundle.keyId,
        created_ms: createdMs,
        created_by: bundle.createdBy,
        provenance: bundle.provenance === undefined ? null : JSON.stringify(bundle.provenance),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async bundle(id: string): Promise<StoredBundle | undefined> {
    const row = await this.db.selectFrom('pgc_bundles').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : bundleOf(row);
  }

  async bundles(limit: number): Promise<BundleSummary[]> {
    const rows = await this.db
      .selectFrom('pgc_bundles')
      .select(['id', 'constitution_hash', 'suites', 'signature', 'key_id', 'created_ms', 'created_by'])
      .orderBy('created_ms', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      constitutionHash: row.constitution_hash,
      suites: JSON.parse(row.suites) as string[],
      signature: row.signature,
      keyId: row.key_id,
      createdAt: iso(row.created_ms),
      createdBy: row.created_by,
    }));
  }

  // The active pointer

  async active(tx: Tx = this.db): Promise<ActivePointer | undefined> {
    const row = await tx
      .selectFrom('pgc_active_bundle')
      .selectAll()
      .where('slot', '=', ACTIVE_SLOT)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          bundleId: row.bundle_id,
          generation: Number(row.generation),
          activatedAt: iso(row.activated_ms),
          activatedBy: row.activated_by,
        };
  }

  /**
   * Points the active slot at `bundleId` if the generation is still `expected` (0: no row yet);
   * returns false when another activation won the race.
   */
  async setActive(tx: Tx, bundleId: string, expected: number, by: string, nowMs: number): Promise<boolean> {
    if (expected === 0) {
      const result = await tx
        .insertInto('pgc_active_bundle')
        .values({
          slot: ACTIVE_SLOT,
          bundle_id: bundleId,
          generation: 1,
          activated_ms: nowMs,
          activated_by: by,
        })
        .onConflict((oc) => oc.column('slot').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const result = await tx
      .updateTable('pgc_active_bundle')
      .set({ bundle_id: bundleId, generation: expected + 1, activated_ms: nowMs, activated_by: by })
      .where('slot', '=', ACTIVE_SLOT)
      .where('generation', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // The signing key

  /** Every signing key, newest first: the newest signs, all of them verify. */
  async signingKeys(): Promise<(StoredSigningKey & { readonly createdAt: string })[]> {
    const rows = await this.db
      .selectFrom('pgc_signing_keys')
      .selectAll()
      .orderBy('created_ms', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => ({
      privateKey: row.private_key,
      publicKey: row.public_key,
      keyId: row.key_id,
      createdAt: iso(row.created_ms),
    }));
  }

  async signingKey(): Promise<StoredSigningKey | undefined> {
    return (await this.signingKeys())[0];
  }

  /**
   * Adds a key that signs from now on (a rotation); earlier keys stay for verification. Its
   * creation time is after every stored key's, so it is the newest even within one millisecond.
   */
  async addSigningKey(key: StoredSigningKey, nowMs: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const newest = await trx
        .selectFrom('pgc_signing_keys')
        .select((eb) => eb.fn.max('created_ms').as('ms'))
        .executeTakeFirst();
      await trx
        .insertInto('pgc_signing_keys')
        .values({
          id: key.keyId,
          private_key: key.privateKey,
          public_key: key.publicKey,
          key_id: key.keyId,
          created_ms: Math.max(nowMs, Number(newest?.ms ?? 0) + 1),
        })
        .execute();
    });
  }

  /** Stores the key unless a replica stored one first; either way returns the stored one. */
  async ensureSigningKey(candidate: StoredSigningKey, nowMs: number): Promise<StoredSigningKey> {
    await this.db
      .insertInto('pgc_signing_keys')
      .values({
        id: 'primary',
        private_key: candidate.privateKey,
        public_key: candidate.publicKey,
        key_id: candidate.keyId,
        created_ms: nowMs,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.signingKey())!;
  }

  // The decision outbox

  async enqueueDecisions(rows: readonly OutboxRow[], nowMs: number): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('pgc_decision_outbox')
      .values(rows.map((r) => ({ entry_key: r.key, entry: r.entry, created_ms: nowMs })))
      .onConflict((oc) => oc.column('entry_key').doNothing())
      .execute();
  }

  async pendingDecisions(limit: number): Promise<OutboxRow[]> {
    const rows = await this.db
      .selectFrom('pgc_decision_outbox')
      .select(['entry_key', 'entry'])
      // Any order will do (entries are independent); the primary key's avoids a sort of the table.
      .orderBy('entry_key')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ key: r.entry_key, entry: r.entry }));
  }

  async removeDecisions(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('pgc_decision_outbox').where('entry_key', 'in', ids).execute();
  }

  async outboxSize(): Promise<number> {
    const row = await this.db
      .selectFrom('pgc_decision_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function draftOf(row: DraftTable): StoredDraft {
  return {
    id: row.id,
    revision: Number(row.revision),
    policy: JSON.parse(row.policy) as unknown,
    createdAt: iso(row.created_ms),
    createdBy: row.created_by,
    updatedAt: iso(row.updated_ms),
    updatedBy: row.updated_by,
  };
}

function bundleOf(row: BundleTable): StoredBundle {
  return {
    id: row.id,
    constitutionHash: row.constitution_hash,
    constitution: JSON.parse(row.constitution) as ConstitutionDocument,
    policies: JSON.parse(row.policies) as unknown[],
    suites: JSON.parse(row.suites) as string[],
    signature: row.signature,
    keyId: row.key_id,
    createdAt: iso(row.created_ms),
    createdBy: row.created_by,
    ...(row.provenance === null || row.provenance === undefined
      ? {}
      : { provenance: JSON.parse(row.provenance) as Record<string, unknown> }),
  };
}
