import type { Command } from 'commander';
import { registerLogCommands } from './log.js';
import { registerMigrateCommand } from './migrate.js';
import { registerPolicyCommands } from './policy.js';
import { registerServeCommand } from './serve.js';
import { registerUpCommand } from './up.js';
import { registerVersionCommand } from './version.js';

/** Every `acgs` subcommand, one file each. */
export function registerCommands(program: Command): void {
  registerUpCommand(program);
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerPolicyCommands(program);
  registerLogCommands(program);
  registerVersionCommand(program);
}
