/**
 * A server for the HTTP benchmark, run in its own process so the load generator does not share
 * its event loop: `node hello-server.js bare|kit`. Prints `listening <port>` when ready.
 */
import Fastify from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/kernel/config.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import { SERVICES } from '../../src/kernel/services.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import { createLogger } from '../../src/kit/logger.js';

const kind = process.argv[2];
const HELLO = { hello: 'world' } as const;

async function bare() {
  const app = Fastify();
  app.get('/api/v1/policies/hello', async () => HELLO);
  return app;
}

async function kit() {
  const config = loadConfig({ mode: 'distributed', service: 'pgc' }, {});
  // Production logging (an access line per request at info), written to /dev/null.
  const logger = createLogger({
    level: (process.env.BENCH_LOG_LEVEL ?? 'info') as 'info',
    base: { service: 'pgc' },
    destination: pino.destination({ dest: '/dev/null', sync: false }),
  });
  return createServer({
    config,
    logger,
    modules: [
      {
        descriptor: SERVICES.pgc,
        routes: async (app) => {
          app.get('/api/v1/policies/hello', { config: { auth: { public: true } } }, async () => HELLO);
        },
      },
    ],
    dependencyChecks: [],
    constitution: new ActiveConstitution(constitutionalHashOf({})),
    metrics: new HttpMetrics(),
    version: 'bench',
  });
}

if (kind !== 'bare' && kind !== 'kit') {
  process.stderr.write('usage: hello-server.js bare|kit\n');
  process.exit(2);
}
const app = kind === 'bare' ? await bare() : await kit();
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', () => {
  app.close().then(() => process.exit(0));
});
