import type { Command } from 'commander';
import { registerApiKeyCommands } from './apikey.js';
import { registerBackupCommands } from './backup.js';
import { registerBundleCommands } from './bundle.js';
import { registerConstitutionCommands } from './constitution.js';
import { registerCouncilCommands } from './council.js';
import { registerDrCommands } from './dr.js';
import { registerEvolveCommand } from './evolve.js';
import { registerExtAuthzCommand } from './ext-authz.js';
import { registerKekCommands } from './kek.js';
import { registerLoadTestCommand } from './loadtest.js';
import { registerLogCommands } from './log.js';
import { registerMcpGatewayCommand } from './mcp-gateway.js';
import { registerMigrateCommand } from './migrate.js';
import { registerPolicyCommands } from './policy.js';
import { registerReleaseCommands } from './release.js';
import { registerReviewCommands } from './review.js';
import { registerServeCommand } from './serve.js';
import { registerSynthesizeCommand } from './synthesize.js';
import { registerUpCommand } from './up.js';
import { registerUserCommands } from './user.js';
import { registerVerifyCommand } from './verify.js';
import { registerVersionCommand } from './version.js';

/** Every `acgs` subcommand, one file each. */
export function registerCommands(program: Command): void {
  registerUpCommand(program);
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerPolicyCommands(program);
  registerConstitutionCommands(program);
  registerBundleCommands(program);
  registerCouncilCommands(program);
  registerEvolveCommand(program);
  registerReviewCommands(program);
  registerLogCommands(program);
  registerBackupCommands(program);
  registerDrCommands(program);
  registerUserCommands(program);
  registerApiKeyCommands(program);
  registerKekCommands(program);
  registerVerifyCommand(program);
  registerSynthesizeCommand(program);
  registerLoadTestCommand(program);
  registerReleaseCommands(program);
  registerExtAuthzCommand(program);
  registerMcpGatewayCommand(program);
  registerVersionCommand(program);
}
