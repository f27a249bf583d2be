/** A throw-away PostgreSQL database per test run, so concurrent runs never share tables. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TemporaryDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export async function createTemporaryPostgresDatabase(
  adminUrl: string,
  label = 't',
): Promise<TemporaryDatabase> {
  const name = `acgs_${label}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A unique name for NATS streams, Redis prefixes and the like. */
export function uniqueRunName(label: string): string {
  return `${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
