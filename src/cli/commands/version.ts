import type { Command } from 'commander';
import { PLATFORM_VERSION } from '../../apps/version.js';

export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('print the platform version')
    .action(() => {
      process.stdout.write(`acgs ${PLATFORM_VERSION} (node ${process.version})\n`);
    });
}
