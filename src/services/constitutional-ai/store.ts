/**
 * The Constitutional AI service's tables. Versions are insert-only (the store has no update or
 * delete for them); drafts are edited with optimistic concurrency (a revision number) and frozen
 * once published; the outbox holds events committed in the same transaction as the change they
 * announce, until the bus has stored them.
 */
import type { Kysely, Migration, Transaction } from 'kysely';
import type { ConstitutionDocument, ConstitutionVersion } from '../../kernel/contracts/constitution.js';
import type { EventEnvelope } from '../../kernel/events.js';
import {
  createEnvelopeOutboxTable,
  EnvelopeOutbox,
  type EnvelopeOutboxTable,
} from '../../kit/envelope-outbox.js';
import type { Database } from '../../storage/database.js';

interface VersionTable {
  number: number;
  hash: string;
  document: string;
  published_ms: number;
  published_by: string;
  via: 'enact' | 'bootstrap';
  proposal_id: string | null;
  draft_id: string | null;
}

interface DraftTable {
  id: string;
  revision: number;
  document: string;
  hash: string;
  created_ms: number;
  created_by: string;
  updated_ms: number;
  updated_by: string;
  published_version: number | null;
}

export interface ConstitutionTables {
  ac_versions: VersionTable;
  ac_drafts: DraftTable;
  ac_outbox: EnvelopeOutboxTable;
}

export const constitutionMigrations: Readonly<Record<string, Migration>> = {
  '0001_versions_drafts_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ac_versions')
        .addColumn('number', 'bigint', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('published_ms', 'bigint', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('proposal_id', 'text')
        .addColumn('draft_id', 'text')
        .execute();
      await db.schema
        .createTable('ac_drafts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('published_version', 'bigint')
        .execute();
      await createEnvelopeOutboxTable(db, 'ac_outbox');
    },
  },
};

export interface StoredDraft {
  readonly id: string;
  readonly revision: number;
  readonly document: ConstitutionDocument;
  readonly hash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** The version this draft became, once published (the draft is then frozen). */
  readonly publishedVersion?: number;
}

export interface VersionSummary {
  readonly number: number;
  readonly hash: string;
  readonly short: string;
  readonly name: string;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly via: 'enact' | 'bootstrap';
  readonly proposalId?: string;
}

export type NewVersion = Omit<ConstitutionVersion, 'number' | 'short' | 'publishedAt'> & {
  readonly publishedMs: number;
};

type Tx = Kysely<ConstitutionTables> | Transaction<ConstitutionTables>;

export class ConstitutionStore {
  readonly db: Kysely<ConstitutionTables>;
  /** The events of published versions and draft changes, until the relay has put them on the bus. */
  readonly outbox: EnvelopeOutbox;

  constructor(database: Database) {
    this.db = database.as<ConstitutionTables>();
    this.outbox = new EnvelopeOutbox(this.db, 'ac_outbox');
  }

  /** Runs `work` in one transaction (a version, its draft's freeze and its event commit together). */
  transaction<T>(work: (tx: Transaction<ConstitutionTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  async latestVersion(tx: Tx = this.db): Promise<ConstitutionVersion | undefined> {
    const row = await tx
      .selectFrom('ac_versions')
      .selectAll()
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toVersion(row);
  }

  async latestHash(): Promise<{ number: number; hash: string } | undefined> {
    const row = await this.db
      .selectFrom('ac_versions')
      .select(['number', 'hash'])
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : { number: Number(row.number), hash: row.hash };
  }

  async versionByNumber(number: number): Promise<ConstitutionVersion | undefined> {
    const row = await this.db
      .selectFrom('ac_versions')
      .selectAll()
      .where('number', '=', number)
      .executeTakeFirst();
    return row === undefined ? undefined : toVersion(row);
  }

  async versionByHash(hash: string, tx: Tx = this.db): Promise<ConstitutionVersion | undefined> {
    const row = await tx.selectFrom('ac_versions').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row === undefined ? undefined : toVersion(row);
  }

  /** Versions whose hash starts with `prefix` (a short hash names at most one in practice). */
  async versionsByHashPrefix(prefix: string): Promise<ConstitutionVersion[]> {
    const rows = await this.db
      .selectFrom('ac_versions')
      .selectAll()
      .where('hash', '>=', prefix)
      .where('hash', '<', `${prefix}g`)
      .limit(2)
      .execute();
    return rows.map(toVersion);
  }

  async listVersions(limit: number, before?: number): Promise<VersionSummary[]> {
    let query = this.db.selectFrom('ac_versions').selectAll().orderBy('number', 'desc').limit(limit);
    if (before !== undefined) query = query.where('number', '<', before);
    const rows = await query.execute();
    return rows.map((row) => {
      const v = toVersion(row);
      return {
        number: v.number,
        hash: v.hash,
        short: v.short,
        name: v.document.name,
        publishedAt: v.publishedAt,
        publishedBy: v.publishedBy,
        via: v.via,
        ...(v.proposalId === undefined ? {} : { proposalId: v.proposalId }),
      };
    });
  }

  /** Inserts the next version; the primary key and the unique hash make concurrent publishers safe. */
  async insertVersion(tx: Tx, version: NewVersion, number: number): Promise<void> {
    await tx
      .insertInto('ac_versions')
      .values({
        number,
        hash: version.hash,
        document: JSON.stringify(version.document),
        published_ms: version.publishedMs,
        published_by: version.publishedBy,
        via: version.via,
        proposal_id: version.proposalId ?? null,
        draft_id: version.draftId ?? null,
      })
      .execute();
  }

  async insertDraft(
    draft: Omit<StoredDraft, 'createdAt' | 'updatedAt' | 'publishedVersion'> & { nowMs: number },
    event: EventEnvelope,
  ): Promise<void> {
    await this.transaction(async (tx) => {
      await tx
        .insertInto('ac_drafts')
        .values({
          id: draft.id,
          revision: draft.revision,
          document: JSON.stringify(draft.document),
          hash: draft.hash,
          created_ms: draft.nowMs,
          created_by: draft.createdBy,
          updated_ms: draft.nowMs,
          updated_by: draft.updatedBy,
          published_version: null,
        })
        .execute();
      await this.enqueue(tx, event, draft.nowMs);
    });
  }

  /**
   * Replaces a draft's document if it is at `revision` and unpublished. Returns 'updated',
   * 'stale' (another revision), 'published' or 'missing'.
   */
  async updateDraft(
    id: string,
    revision: number,
    change: { document: ConstitutionDocument; hash: string; updatedBy: string; nowMs: number },
    event: EventEnvelope,
  ): Promise<'updated' | 'stale' | 'published' | 'missing'> {
    return this.transaction(async (tx) => {
      const current = await tx
        .selectFrom('ac_drafts')
        .select(['revision', 'published_version'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (current === undefined) return 'missing';
      if (current.published_version !== null) return 'published';
      if (Number(current.revision) !== revision) return 'stale';
      const result = await tx
        .updateTable('ac_drafts')
        .set({
          revision: revision + 1,
          document: JSON.stringify(change.document),
          hash: change.hash,
          updated_ms: change.nowMs,
          updated_by: change.updatedBy,
        })
        .where('id', '=', id)
        .where('revision', '=', revision)
        .where('published_version', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return 'stale';
      await this.enqueue(tx, event, change.nowMs);
      return 'updated';
    });
  }

  async draft(id: string, tx: Tx = this.db): Promise<StoredDraft | undefined> {
    const row = await tx.selectFrom('ac_drafts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toDraft(row);
  }

  async listDrafts(limit: number): Promise<StoredDraft[]> {
    const rows = await this.db
      .selectFrom('ac_drafts')
      .selectAll()
      .orderBy('updated_ms', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDraft);
  }

  /** Freezes a draft as published; false when it was already published or changed meanwhile. */
  async freezeDraft(tx: Tx, id: string, hash: string, version: number): Promise<boolean> {
    const result = await tx
      .updateTable('ac_drafts')
      .set({ published_version: version })
      .where('id', '=', id)
      .where('hash', '=', hash)
      .where('published_version', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Adds an event to the outbox inside the caller's transaction. */
  async enqueue(tx: Tx, event: EventEnvelope, nowMs: number): Promise<void> {
    await this.outbox.enqueue(tx, event, nowMs);
  }
}

function iso(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}

function toVersion(row: VersionTable): ConstitutionVersion {
  return {
    number: Number(row.number),
    hash: row.hash,
    short: row.hash.slice(0, 16),
    document: JSON.parse(row.document) as ConstitutionDocument,
    publishedAt: iso(row.published_ms),
    publishedBy: row.published_by,
    via: row.via,
    ...(row.proposal_id === null ? {} : { proposalId: row.proposal_id }),
    ...(row.draft_id === null ? {} : { draftId: row.draft_id }),
  };
}

function toDraft(row: DraftTable): StoredDraft {
  return {
    id: row.id,
    revision: Number(row.revision),
    document: JSON.parse(row.document) as ConstitutionDocument,
    hash: row.hash,
    createdAt: iso(row.created_ms),
    createdBy: row.created_by,
    updatedAt: iso(row.updated_ms),
    updatedBy: row.updated_by,
    ...(row.published_version === null ? {} : { publishedVersion: Number(row.published_version) }),
  };
}
