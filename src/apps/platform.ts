import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, type PlatformConfig } from '../kernel/config.js';
import type { ConstitutionContract } from '../kernel/contracts/constitution.js';
import { EVENT_TYPES, type ServiceStartedData } from '../kernel/events.js';
import { newId } from '../kernel/ids.js';
import { ActiveConstitution } from '../kit/active-constitution.js';
import { ClientRateLimiter } from '../kit/client-rate-limiter.js';
import { createServer } from '../kit/create-server.js';
import { HttpMetrics } from '../kit/http-metrics.js';
import { createLogger } from '../kit/logger.js';
import type { ServiceContext, ServiceModule } from '../kit/service-module.js';
import { TracingEventBus } from '../kit/tracing-event-bus.js';
import { loadTracingSettings, NO_TRACING, type Tracing } from '../kit/tracing-settings.js';
import { EMPTY_CONSTITUTION_HASH } from '../services/constitutional-ai/empty-constitution.js';
import { type Adapters, openAdapters } from './adapters.js';
import { buildAuthenticator } from './authenticator.js';
import { type RemoteDependencies, remoteReadinessChecks, verifyServiceKey } from './remote-readiness.js';
import { setUpSecretEnvelope } from './secret-setup.js';
import { wireServices } from './service-catalogue.js';
import { SERVICE_MIGRATIONS } from './service-migrations.js';
import { PLATFORM_VERSION } from './version.js';

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  readonly services: readonly string[];
  /** Graceful stop: no new connections, in-flight requests finish (bounded), then adapters close. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A logger to use instead of JSON lines on stdout (tests). */
  readonly logger?: Logger;
}

/** How often a process without the Constitutional AI service re-reads the active hash. */
const HASH_REFRESH_MS = 5000;

/**
 * Starts the services named in `config` in this process: opens the adapters its URLs pick,
 * migrates (SQLite only: PostgreSQL is migrated by `acgs migrate`), starts background work,
 * opens the port, and announces each service on the bus.
 */
export async function startPlatform(
  config: PlatformConfig,
  options: StartOptions = {},
): Promise<RunningPlatform> {
  const instanceId = randomUUID();
  const label = config.mode === 'embedded' ? 'gateway' : (config.services[0] ?? 'acgs');
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, base: { service: label, instance: instanceId } });
  setUpSecretEnvelope(config);
  const tracing = await startTracingIfEnabled(config, label, instanceId);
  const opened = await openAdapters(config, logger);
  // With tracing on, events carry the publisher's trace context to their consumers.
  const adapters = tracing.enabled ? { ...opened, bus: new TracingEventBus(opened.bus) } : opened;
  const started: ServiceModule[] = [];
  let refreshTimer: NodeJS.Timeout | undefined;
  try {
    const metrics = new HttpMetrics();
    const constitution = new ActiveConstitution(EMPTY_CONSTITUTION_HASH);
    const context: ServiceContext = {
      activeConstitution: constitution,
      config,
      database: adapters.database,
      bus: adapters.bus,
      cache: adapters.cache,
      logger,
      metrics: metrics.registry,
      instanceId,
      version: PLATFORM_VERSION,
    };
    const wired = wireServices(config.services, context);
    await migrateOrVerify(adapters, wired.modules, logger);
    const remote: RemoteDependencies = {
      config,
      services: config.services,
      remoteIntegrity: wired.local.has('integrity') ? undefined : wired.contracts.integrity,
    };
    await verifyServiceKey(remote, logger);
    constitution.update(await initialHash(wired.contracts.constitution, logger));
    const app = await createServer({
      config,
      logger,
      modules: wired.modules,
      dependencyChecks: [...adapters.checks, ...remoteReadinessChecks(remote)],
      constitution,
      metrics,
      version: PLATFORM_VERSION,
      tracing: tracing.enabled,
      authenticator: buildAuthenticator(wired.contracts.authentication, adapters.cache, metrics.registry),
      // Always: with the per-client limit off (0), API keys created with a limit still have it.
      rateLimiter: new ClientRateLimiter({
        cache: adapters.cache,
        perMinute: config.http.rateLimitPerMinute,
        burst: config.http.rateLimitBurst,
      }),
    });
    for (const module of wired.modules) {
      await module.start?.();
      started.push(module);
    }
    if (!wired.local.has('constitution')) {
      refreshTimer = setInterval(
        () => refreshHash(wired.contracts.constitution, constitution, logger),
        HASH_REFRESH_MS,
      );
      refreshTimer.unref();
    }
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    let stopping: Promise<void> | undefined;
    // In the background: a bus that is not reachable yet must not hold up start-up; the
    // announcement is retried until the bus takes it (publishes fail at once while it is away).
    announce(adapters, wired.modules, config, instanceId, () => stopping !== undefined).catch(
      (error: unknown) => logger.warn({ err: error }, 'service.started events not published'),
    );

    const stop = () => {
      stopping ??= (async () => {
        clearInterval(refreshTimer);
        await closeWithin(app, config.shutdownTimeoutMs, logger);
        await stopModules(started, logger);
        await adapters.close();
        await tracing.shutdown();
        logger.flush();
      })();
      return stopping;
    };
    return { url, app, logger, services: config.services, stop };
  } catch (error) {
    clearInterval(refreshTimer);
    await stopModules(started, logger);
    await adapters.close();
    throw error;
  }
}

/** The OpenTelemetry SDK is imported only when the OTEL_* variables enable tracing. */
async function startTracingIfEnabled(
  config: PlatformConfig,
  label: string,
  instanceId: string,
): Promise<Tracing> {
  const settings = loadTracingSettings(config.mode, label === 'gateway' ? 'acgs' : `acgs-${label}`);
  if (!settings.enabled) return NO_TRACING;
  const { startTracing } = await import('../kit/tracing.js');
  return startTracing(settings, { 'service.version': PLATFORM_VERSION, 'service.instance.id': instanceId });
}

/** SQLite databases are migrated at start; PostgreSQL ones by `acgs migrate`, checked here. */
async function migrateOrVerify(
  adapters: Adapters,
  modules: readonly ServiceModule[],
  logger: Logger,
): Promise<void> {
  for (const module of modules) {
    const name = module.descriptor.name;
    if (adapters.database.dialect === 'sqlite') {
      const report = await adapters.database.migrate(name, SERVICE_MIGRATIONS[name]);
      if (report.applied.length > 0)
        logger.info({ owner: report.owner, applied: report.applied }, 'migrations applied');
      continue;
    }
    let pending: string[];
    try {
      pending = await adapters.database.pendingMigrations(name, SERVICE_MIGRATIONS[name]);
    } catch (error) {
      logger.warn(
        { err: error, service: name },
        'cannot check migrations: database unreachable (readiness reports it)',
      );
      continue;
    }
    if (pending.length > 0) {
      throw new ConfigError([
        `DATABASE_URL: the ${name} service's migrations ${pending.join(', ')} are not applied; run \`acgs migrate\` first`,
      ]);
    }
  }
}

async function initialHash(contract: ConstitutionContract, logger: Logger) {
  try {
    return await contract.activeHash();
  } catch (error) {
    logger.warn(
      { err: error },
      'constitution service not reachable yet; using the empty constitution hash until it is',
    );
    return EMPTY_CONSTITUTION_HASH;
  }
}

async function refreshHash(contract: ConstitutionContract, active: ActiveConstitution, logger: Logger) {
  try {
    active.update(await contract.activeHash());
  } catch (error) {
    logger.debug({ err: error }, 'constitutional hash refresh failed');
  }
}

/** How long a process keeps trying to announce itself while the bus is away (1 s apart). */
const ANNOUNCE_ATTEMPTS = 300;

async function announce(
  adapters: Adapters,
  modules: readonly ServiceModule[],
  config: PlatformConfig,
  instanceId: string,
  stopped: () => boolean,
): Promise<void> {
  for (const module of modules) {
    const data: ServiceStartedData = { instance: instanceId, version: PLATFORM_VERSION, mode: config.mode };
    // One id for every attempt: consumers drop a repeat.
    const event = {
      id: newId(),
      type: EVENT_TYPES.serviceStarted,
      source: module.descriptor.name,
      time: new Date().toISOString(),
      data,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await adapters.bus.publish(event);
        break;
      } catch (error) {
        if (stopped() || attempt >= ANNOUNCE_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }
}

async function closeWithin(app: FastifyInstance, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn({ timeoutMs }, 'in-flight requests did not finish in time; closing their connections');
    app.server.closeAllConnections();
  }
}

async function stopModules(modules: readonly ServiceModule[], logger: Logger): Promise<void> {
  for (const module of [...modules].reverse()) {
    try {
      await module.stop?.();
    } catch (error) {
      logger.error({ err: error, service: module.descriptor.name }, 'service did not stop cleanly');
    }
  }
}
