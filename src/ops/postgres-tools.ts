/**
 * `pg_dump` and `pg_restore` (the PostgreSQL client tools) run as child processes. The password
 * travels in PGPASSWORD, never on the command line where `ps` would show it.
 */
import { spawn } from 'node:child_process';
import { opsErrors } from './errors.js';

/** The URL without its password, and the password for PGPASSWORD. */
export function splitPassword(url: string): { url: string; password: string | undefined } {
  const parsed = new URL(url);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password };
}

/** Runs a PostgreSQL client tool; BACKUP_TOOL_FAILED with its stderr when it fails or is missing. */
export async function runPostgresTool(
  tool: 'pg_dump' | 'pg_restore',
  args: readonly string[],
  url: string,
): Promise<void> {
  const { url: bare, password } = splitPassword(url);
  const env = { ...process.env, ...(password === undefined ? {} : { PGPASSWORD: password }) };
  const child = spawn(tool, [...args, `--dbname=${bare}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += String(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).catch((cause: unknown) => {
    throw opsErrors.create(
      'BACKUP_TOOL_FAILED',
      `${tool} could not be started (install the PostgreSQL client tools)`,
      {
        cause,
      },
    );
  });
  if (code !== 0) {
    throw opsErrors.create(
      'BACKUP_TOOL_FAILED',
      `${tool} exited with ${code}: ${stderr.trim().slice(0, 2000)}`,
    );
  }
}
