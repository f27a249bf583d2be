import type { Kysely, Migration } from 'kysely';
import type { JobColumns, JobStatus } from '../../kit/job-view.js';
import { createJobTable, LeasedJobRows } from '../../kit/leased-job-rows.js';
import type { Database } from '../../storage/database.js';
import type { ArchiveEntry } from './search/archive.js';
import type { SearchState } from './search/evolution-search.js';

/**
 * The Darwin Gödel Machine service's tables (docs/evolution.md): `dgm_runs`, one row per run
 * with its request, progress, the search state after its last iteration (generator, bandit,
 * iteration), its result or failure and the lease of the process running it; `dgm_variants`,
 * the archive, one row per entry. An iteration's entry and the state after it are written in one
 * transaction, so a restart resumes from exactly the last iteration that finished.
 */
export interface RunsTable extends JobColumns {
  request: string;
  state: string | null;
}

export interface VariantsTable {
  run_id: string;
  iteration: number;
  entry: string;
}

export type RunStatus = JobStatus;

export interface EvolutionTables {
  dgm_runs: RunsTable;
  dgm_variants: VariantsTable;
}

export const evolutionMigrations: Readonly<Record<string, Migration>> = {
  '0001_runs': {
    async up(db: Kysely<unknown>) {
      await createJobTable(db, 'dgm_runs', (t) =>
        t
          .addColumn('progress', 'real', (c) => c.notNull())
          .addColumn('state', 'text')
          .addColumn('result', 'text'),
      );
      await db.schema
        .createTable('dgm_variants')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('iteration', 'integer', (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dgm_variants_pk', ['run_id', 'iteration'])
        .execute();
    },
  },
};

export type RunRow = RunsTable;

/** The state stored with a run: everything but the entries, which are rows of their own. */
export type StoredState = Omit<SearchState, 'entries'>;

/** Queries on `dgm_runs` and `dgm_variants`; no other service touches them. */
export class EvolutionStore extends LeasedJobRows<RunRow> {
  private readonly db: Kysely<EvolutionTables>;
  constructor(database: Database) {
    super(database.as<unknown>(), 'dgm_runs');
    this.db = database.as<EvolutionTables>();
  }

  /**
   * Stores one iteration: its archive entry (if it made one) and the state after it, together;
   * false (nothing written) when the run has finished meanwhile.
   */
  async checkpoint(
    id: string,
    state: StoredState,
    entry: ArchiveEntry | undefined,
    changes: Partial<Omit<RunRow, 'id'>>,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const result = await tx
        .updateTable('dgm_runs')
        .set({ ...changes, state: JSON.stringify(state) })
        .where('id', '=', id)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      if (entry !== undefined)
        await tx
          .insertInto('dgm_variants')
          .values({ run_id: id, iteration: entry.iteration, entry: JSON.stringify(entry) })
          .execute();
      return true;
    });
  }

  /** The archive of a run, in order. */
  async entries(id: string): Promise<ArchiveEntry[]> {
    const rows = await this.db
      .selectFrom('dgm_variants')
      .select('entry')
      .where('run_id', '=', id)
      .orderBy('iteration')
      .execute();
    return rows.map((r) => JSON.parse(r.entry) as ArchiveEntry);
  }
}
