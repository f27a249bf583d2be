/**
 * A ServiceContext over a test's own database, with the embedded adapters (local bus in that
 * database, in-process cache), after migrating the named service owners — for tests that build
 * services directly instead of through `acgs up`.
 */
import type { Migration } from 'kysely';
import pino from 'pino';
import { Registry } from 'prom-client';
import { LocalEventBus } from '../../src/bus/local-event-bus.js';
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.js';
import { loadConfig } from '../../src/kernel/config.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import type { ServiceContext } from '../../src/kit/service-module.js';
import type { Database } from '../../src/storage/database.js';

export async function openTestServiceContext(
  database: Database,
  dataDir: string,
  migrations: Readonly<Record<string, Readonly<Record<string, Migration>>>>,
  instanceId: string,
): Promise<ServiceContext> {
  for (const [owner, ownerMigrations] of Object.entries(migrations))
    await database.migrate(owner, ownerMigrations);
  return {
    // No example policy set activated on start: each test activates what it means to.
    config: loadConfig({ mode: 'embedded' }, { ACGS_DATA_DIR: dataDir, ACGS_POLICY_DIR: 'none' }),
    database,
    bus: await LocalEventBus.open(database),
    cache: new MemoryCacheStore(),
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    activeConstitution: new ActiveConstitution(constitutionalHashOf({})),
    instanceId,
    version: 'test',
  };
}
