import type { Kysely, Migration } from 'kysely';
import type { BoundAttribute, BoundPrincipal } from '../../kernel/roles.js';
import type { Database } from '../../storage/database.js';

/**
 * Which principal a service account decides as, and whether it may speak for others
 * (DESIGN.md §2, Identity). One row per account that has been given a binding; an account
 * without one decides as itself (`defaultBinding`).
 */
interface PrincipalBindingTable {
  account_id: string;
  principal_id: string;
  principal_type: string;
  roles: string;
  attrs: string;
  delegate: number;
  updated_ms: number;
}

interface BindingTables {
  auth_principal_bindings: PrincipalBindingTable;
}

export const principalBindingMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('auth_principal_bindings')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('principal_type', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('attrs', 'text', (c) => c.notNull())
      .addColumn('delegate', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** An account's binding: the principal it decides as, and the delegate permission. */
export interface PrincipalBinding {
  readonly principal: BoundPrincipal;
  readonly delegate: boolean;
}

/** What an account without a stored binding decides as: itself, with no roles or attributes. */
export function defaultBinding(account: { username: string; kind: 'user' | 'service' }): PrincipalBinding {
  return {
    principal: {
      id: account.username,
      type: account.kind === 'service' ? 'agent' : 'human',
      roles: [],
      attrs: {},
    },
    delegate: false,
  };
}

/** Reads and writes `auth_principal_bindings`. */
export class PrincipalBindingStore {
  private readonly db: Kysely<BindingTables>;

  constructor(database: Database) {
    this.db = database.as<BindingTables>();
  }

  async get(accountId: string): Promise<PrincipalBinding | undefined> {
    const row = await this.db
      .selectFrom('auth_principal_bindings')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      principal: {
        id: row.principal_id,
        type: row.principal_type,
        roles: JSON.parse(row.roles) as string[],
        attrs: JSON.parse(row.attrs) as Record<string, BoundAttribute>,
      },
      delegate: Number(row.delegate) === 1,
    };
  }

  async set(accountId: string, binding: PrincipalBinding, nowMs: number): Promise<void> {
    const values = {
      principal_id: binding.principal.id,
      principal_type: binding.principal.type,
      roles: JSON.stringify(binding.principal.roles),
      attrs: JSON.stringify(binding.principal.attrs),
      delegate: binding.delegate ? 1 : 0,
      updated_ms: nowMs,
    };
    await this.db
      .insertInto('auth_principal_bindings')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }
}
