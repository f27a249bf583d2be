import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../kernel/config.js';
import { isServiceName, SERVICE_NAMES, SERVICES, type ServiceName } from '../../kernel/services.js';
import { runUntilSignalled } from '../run-platform.js';
import { withOverrides } from './up.js';

export function registerServeCommand(program: Command): void {
  const list = SERVICE_NAMES.map(
    (name) => `${name} (${SERVICES[name].title}, port ${SERVICES[name].defaultPort})`,
  );
  program
    .command('serve')
    .description(
      'run one service in this process (distributed mode); adapters follow DATABASE_URL, REDIS_URL, NATS_URL',
    )
    .argument('<service>', `one of: ${list.join(', ')}`, parseServiceName)
    .option('-p, --port <port>', "port to listen on (overrides ACGS_PORT, default the service's own)")
    .action(async (service: ServiceName, options: { port?: string }) => {
      const env = withOverrides(process.env, { ACGS_PORT: options.port });
      await runUntilSignalled(loadConfig({ mode: 'distributed', service }, env));
    });
}

export function parseServiceName(value: string): ServiceName {
  if (!isServiceName(value)) {
    throw new InvalidArgumentError(`unknown service "${value}"; expected one of ${SERVICE_NAMES.join(', ')}`);
  }
  return value;
}
