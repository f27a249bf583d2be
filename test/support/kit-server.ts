/** Builds a kit server around test routes, with a captured log, for `inject()` tests of the kit. */
import { Writable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type LogLevel, loadConfig } from '../../src/kernel/config.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { SERVICES } from '../../src/kernel/services.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import type { ClientRateLimiter } from '../../src/kit/client-rate-limiter.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import { createLogger } from '../../src/kit/logger.js';
import type { Authenticator } from '../../src/kit/route-auth.js';
import type { ReadinessCheck } from '../../src/kit/service-module.js';

export interface KitServer {
  readonly app: FastifyInstance;
  readonly logLines: () => Record<string, unknown>[];
  readonly constitution: ActiveConstitution;
}

export interface KitServerOptions {
  readonly routes: FastifyPluginAsync;
  readonly checks?: readonly ReadinessCheck[];
  readonly env?: Record<string, string>;
  readonly authenticator?: Authenticator;
  readonly level?: LogLevel;
  readonly rateLimiter?: ClientRateLimiter;
}

export async function buildKitServer(options: KitServerOptions): Promise<KitServer> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadConfig({ mode: 'distributed', service: 'pgc' }, options.env ?? {});
  const logger = createLogger({ level: options.level ?? 'info', base: { service: 'pgc' }, destination });
  const constitution = new ActiveConstitution(constitutionalHashOf({ test: 'constitution' }));
  const app = await createServer({
    config,
    logger,
    modules: [{ descriptor: SERVICES.pgc, routes: options.routes }],
    dependencyChecks: options.checks ?? [],
    constitution,
    metrics: new HttpMetrics(),
    version: 'test',
    ...(options.authenticator ? { authenticator: options.authenticator } : {}),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
  });
  await app.ready();
  return {
    app,
    constitution,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
