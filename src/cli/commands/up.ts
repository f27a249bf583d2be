import type { Command } from 'commander';
import { loadConfig } from '../../kernel/config.js';
import { runUntilSignalled } from '../run-platform.js';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'run all eight services in one process on one port (embedded mode: SQLite, in-process bus and cache)',
    )
    .option('-p, --port <port>', 'port to listen on (overrides ACGS_PORT, default 8080)')
    .option('-d, --data-dir <dir>', 'data directory (overrides ACGS_DATA_DIR, default ./.acgs)')
    .action(async (options: { port?: string; dataDir?: string }) => {
      const env = withOverrides(process.env, { ACGS_PORT: options.port, ACGS_DATA_DIR: options.dataDir });
      await runUntilSignalled(loadConfig({ mode: 'embedded' }, env));
    });
}

/** The environment with command-line flags laid over it, so one validator checks both. */
export function withOverrides(
  env: NodeJS.ProcessEnv,
  overrides: Readonly<Record<string, string | undefined>>,
): NodeJS.ProcessEnv {
  const merged = { ...env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) merged[name] = value;
  return merged;
}
