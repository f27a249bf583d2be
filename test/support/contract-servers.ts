/**
 * Test support for contract suites (Kysely's one-suite-over-every-dialect, applied to contracts):
 * serves a service module's real routes through the real kit on a loopback port, so the suite
 * can run the same cases over the in-process implementation and over the HTTP client.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/kernel/config.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import type { Authenticator } from '../../src/kit/route-auth.js';
import type { ServiceModule } from '../../src/kit/service-module.js';

export interface ServedModule {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `module`'s routes as its own process would (distributed mode), on a free loopback port. */
export async function serveModule(
  module: ServiceModule,
  authenticator: Authenticator,
  constitution = new ActiveConstitution(constitutionalHashOf({ test: 'contract' })),
): Promise<ServedModule> {
  const app = await createServer({
    config: loadConfig({ mode: 'distributed', service: module.descriptor.name }, {}),
    logger: pino({ level: 'silent' }),
    modules: [module],
    dependencyChecks: [],
    constitution,
    metrics: new HttpMetrics(),
    authenticator,
    version: 'test',
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, close: () => app.close() };
}
