/**
 * The CLI's database commands (`acgs user`, `acgs apikey`, `acgs log export`) open the platform's
 * database directly, as `acgs up` would: DATABASE_URL, or the SQLite file in ACGS_DATA_DIR
 * (default `./.acgs`). Run from another directory they would find no database; rather than create
 * an empty one there (and answer as if the platform had no users or log), they stop and say where
 * they looked.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../../kernel/config.js';

/** Throws ConfigError (exit 2) when `databaseUrl` is a SQLite file that does not exist. */
export function requireExistingDatabase(databaseUrl: string, command: string): void {
  if (databaseUrl.includes('://') && !databaseUrl.startsWith('sqlite:')) return;
  const file = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  if (file === ':memory:' || existsSync(file)) return;
  throw new ConfigError([
    `${command}: no platform database at ${file}. Database commands (user, apikey, log export) open the database of a platform directly: run them in the directory where \`npm start\` (acgs up) runs, or set ACGS_DATA_DIR or DATABASE_URL to its database. Nothing was created.`,
  ]);
}
