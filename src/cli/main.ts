#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { PLATFORM_VERSION } from '../apps/version.js';
import { ConfigError } from '../kernel/config.js';
import { PlatformError } from '../kernel/errors.js';

/** Exit codes: 0 success, 1 the command ran and found problems or failed, 2 bad usage or configuration. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('acgs')
    .description('ACGS: constitutional governance for AI agents')
    .version(PLATFORM_VERSION, '-v, --version')
    .showHelpAfterError('(run acgs --help for usage)')
    .addHelpText(
      'after',
      `
Kinds of commands:
  database   user, apikey, log export: open the platform's database (DATABASE_URL or the SQLite
             file in ACGS_DATA_DIR, default ./.acgs): run them where \`npm start\` runs
  platform   bundle, constitution publish, log prove, loadtest: call a running platform
             (ACGS_URL, default http://127.0.0.1:8080; credentials in ACGS_TOKEN)
  offline    policy, constitution validate|hash|diff|schema, log verify|keygen: read files only`,
    )
    .exitOverride();
  // `acgs verify` loads only the verifier: its start-up counts towards a report's time.
  if (argv[0] === 'verify') (await import('./commands/verify.js')).registerVerifyCommand(program);
  else (await import('./commands/index.js')).registerCommands(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof ConfigError) {
    process.stderr.write(`acgs: ${error.message}\n`);
    return 2;
  }
  if (error instanceof PlatformError) {
    process.stderr.write(`acgs: ${error.code}: ${error.message}\n`);
    return error.status < 500 ? 2 : 1;
  }
  process.stderr.write(`acgs: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

// A reader that stops early (`acgs log export | head`) closes the pipe: that ends the command quietly
// instead of an unhandled EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const code = await main(process.argv.slice(2));
if (code !== 0) process.exit(code);
