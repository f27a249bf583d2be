import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.js';
import { LocalEventBus } from '../bus/local-event-bus.js';
import { ReconnectingEventBus } from '../bus/reconnecting-event-bus.js';
import type { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import type { PlatformConfig } from '../kernel/config.js';
import type { ReadinessCheck } from '../kit/service-module.js';
import type { Database } from '../storage/database.js';
import { createDatabase, redactUrl } from '../storage/index.js';

/** The adapters one process runs on, as its URLs pick them. */
export interface Adapters {
  readonly database: Database;
  readonly bus: EventBus;
  readonly cache: CacheStore;
  /** One readiness check per adapter, named after its backend. */
  readonly checks: readonly ReadinessCheck[];
  readonly describe: Readonly<Record<'database' | 'bus' | 'cache', string>>;
  close(): Promise<void>;
}

/** The SQLite file used when DATABASE_URL is not set. */
export function defaultDatabaseUrl(config: PlatformConfig): string {
  const file = config.mode === 'embedded' ? 'acgs.db' : `${config.services[0] ?? 'acgs'}.db`;
  return `sqlite:${join(resolve(config.dataDir), file)}`;
}

/**
 * Opens the database, bus and cache: PostgreSQL, NATS and Redis when their URLs are given,
 * otherwise SQLite in the data directory, the local (SQLite-backed) bus and the in-process cache.
 */
export async function openAdapters(config: PlatformConfig, logger: Logger): Promise<Adapters> {
  const databaseUrl = config.databaseUrl ?? defaultDatabaseUrl(config);
  if (databaseUrl.startsWith('sqlite:') || !databaseUrl.includes('://')) {
    // Its owner's alone: it holds the database and, unless configured elsewhere, the keys.
    mkdirSync(resolve(config.dataDir), { recursive: true, mode: 0o700 });
  }
  const database = createDatabase(databaseUrl);
  const opened: { close(): Promise<void> }[] = [database];
  const closeAll = async () => {
    for (const adapter of opened.reverse()) {
      try {
        await adapter.close();
      } catch (error) {
        logger.error({ err: error }, 'adapter did not close cleanly');
      }
    }
  };
  try {
    const natsUrl = config.natsUrl;
    const bus: EventBus = natsUrl
      ? new ReconnectingEventBus({
          open: () =>
            import('../bus/nats-event-bus.js').then(({ NatsEventBus }) =>
              NatsEventBus.connect({
                url: natsUrl,
                stream: config.natsStream,
                subjectRoot: config.subjectRoot,
              }),
            ),
          onAttemptFailed: (error, attempt) => {
            if (attempt === 1 || attempt % 30 === 0)
              logger.warn({ err: error, attempt }, 'NATS not reachable; retrying');
          },
        })
      : await LocalEventBus.open(database);
    opened.push(bus);
    // NATS and Redis clients are loaded only when configured, keeping embedded start-up lean.
    const cache: CacheStore = config.redisUrl
      ? new (await import('../cache/redis-cache-store.js')).RedisCacheStore({
          url: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
        })
      : new MemoryCacheStore();
    opened.push(cache);
    const names = {
      database: database.dialect === 'postgres' ? 'postgres' : 'sqlite',
      bus: config.natsUrl ? 'nats' : 'local-bus',
      cache: config.redisUrl ? 'redis' : 'memory-cache',
    } as const;
    return {
      database,
      bus,
      cache,
      checks: [
        { name: names.database, check: () => database.ping() },
        { name: names.bus, check: () => bus.ping() },
        { name: names.cache, check: () => cache.ping() },
      ],
      describe: {
        database: redactUrl(databaseUrl),
        bus: config.natsUrl
          ? `NATS JetStream ${redactUrl(config.natsUrl)} stream ${config.natsStream}`
          : 'local (in the database)',
        cache: config.redisUrl ? `Redis ${redactUrl(config.redisUrl)}` : 'in-process',
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
