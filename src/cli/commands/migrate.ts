import type { Command } from 'commander';
import { defaultDatabaseUrl } from '../../apps/adapters.js';
import { SERVICE_MIGRATIONS } from '../../apps/service-migrations.js';
import { loadConfig } from '../../kernel/config.js';
import { SERVICE_NAMES, type ServiceName } from '../../kernel/services.js';
import { createDatabase, redactUrl } from '../../storage/index.js';
import { parseServiceName } from './serve.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      "apply each service's pending database migrations (needed before `acgs serve` on PostgreSQL)",
    )
    .option('-s, --service <service...>', `only these services (default: all of ${SERVICE_NAMES.join(', ')})`)
    .action(async (options: { service?: string[] }) => {
      const services = (options.service ?? [...SERVICE_NAMES]).map(parseServiceName);
      const config = loadConfig({ mode: 'distributed', service: services[0] ?? 'auth' });
      const url = config.databaseUrl ?? defaultDatabaseUrl({ ...config, mode: 'embedded' });
      await migrate(url, services);
    });
}

async function migrate(url: string, services: readonly ServiceName[]): Promise<void> {
  const database = createDatabase(url);
  process.stderr.write(`migrating ${redactUrl(url)}\n`);
  try {
    for (const service of services) {
      const report = await database.migrate(service, SERVICE_MIGRATIONS[service]);
      const applied = report.applied.length === 0 ? 'up to date' : `applied ${report.applied.join(', ')}`;
      process.stderr.write(`  ${service}: ${applied}\n`);
    }
  } finally {
    await database.close();
  }
}
