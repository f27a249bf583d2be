import pino from 'pino';
import { defaultDatabaseUrl, openAdapters } from '../../apps/adapters.js';
import { setUpSecretEnvelope } from '../../apps/secret-setup.js';
import { SERVICE_MIGRATIONS } from '../../apps/service-migrations.js';
import { ConfigError, loadConfig } from '../../kernel/config.js';
import { createLogger } from '../../kit/logger.js';
import type { AuthDeps } from '../../services/auth/auth-deps.js';
import { loadAuthSettings } from '../../services/auth/auth-settings.js';
import { authDeps } from '../../services/auth/service.js';
import { requireExistingDatabase } from './platform-database.js';

/**
 * Runs an Auth CLI command against the platform's own adapters, as the environment names them
 * (the same variables as `acgs up`/`acgs serve auth`): the database holds users and keys, the cache
 * store (Redis when REDIS_URL is set) carries revocations to every guard at once, and security
 * events go on the bus. Logs go to stderr, so stdout carries only the command's answer.
 */
export async function withAuth<T>(run: (deps: AuthDeps) => Promise<T>): Promise<T> {
  const env = process.env;
  const config = loadConfig({ mode: env.DATABASE_URL ? 'distributed' : 'embedded' }, env);
  requireExistingDatabase(config.databaseUrl ?? defaultDatabaseUrl(config), 'acgs');
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    base: { service: 'acgs-cli' },
    destination: pino.destination(2),
  });
  setUpSecretEnvelope(config, env);
  const adapters = await openAdapters(config, logger);
  try {
    if (adapters.database.dialect === 'sqlite') {
      await adapters.database.migrate('auth', SERVICE_MIGRATIONS.auth);
    } else {
      const pending = await adapters.database.pendingMigrations('auth', SERVICE_MIGRATIONS.auth);
      if (pending.length > 0)
        throw new ConfigError([
          `DATABASE_URL: the auth migrations ${pending.join(', ')} are not applied; run \`acgs migrate\` first`,
        ]);
    }
    const deps = authDeps({ ...adapters, logger }, loadAuthSettings(env));
    const result = await run(deps);
    // Events the bus did not take stay in the outbox for the Auth service to relay.
    await deps.events.flush();
    return result;
  } finally {
    await adapters.close();
  }
}
