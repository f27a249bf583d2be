import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import type { PlatformConfig } from '../kernel/config.js';
import { type ConstitutionalHash, hashMatches } from '../kernel/constitutional-hash.js';
import { commonErrors } from '../kernel/errors.js';
import { SERVICES } from '../kernel/services.js';
import type { ActiveConstitution } from './active-constitution.js';
import type { HttpMetrics } from './http-metrics.js';
import { documentForPrefixes, mergedDocument } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details.js';
import { runReadinessChecks } from './readiness.js';
import { createValidatorCompiler } from './request-validation.js';
import { type Authenticator, assertRouteDeclaresAuth, createGuard } from './route-auth.js';
import type { ReadinessCheck, ServiceModule } from './service-module.js';

export interface ServerOptions {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly modules: readonly ServiceModule[];
  /** Shared adapters' checks (database, bus, cache); each module adds its own. */
  readonly dependencyChecks: readonly ReadinessCheck[];
  readonly constitution: ActiveConstitution;
  readonly metrics: HttpMetrics;
  readonly authenticator?: Authenticator;
  readonly version: string;
}

const REQUEST_ID = /^[\w.:@-]{1,128}$/;
const HASH_HEADER = 'x-constitutional-hash';

/**
 * Builds the HTTP server for one or more services: problem+json errors, request ids, access logs,
 * metrics, health, OpenAPI, the constitutional hash header and the auth guard. Routes come from
 * the modules; the kit adds only `/health/*`, `/metrics` and `/openapi*`.
 */
function hashMismatch(expected: string, active: ConstitutionalHash) {
  return commonErrors.create(
    'CONSTITUTION_HASH_MISMATCH',
    `the request expects constitution ${expected.trim()} but the active one is ${active.short}`,
    { details: { expectedHash: expected.trim(), activeHash: active.hash, activeShortHash: active.short } },
  );
}

type RouteHook = NonNullable<RouteOptions['onRequest']>;

function prependHook(first: RouteHook, rest: RouteOptions['onRequest']): RouteHook {
  if (rest === undefined) return first;
  return [first, ...(Array.isArray(rest) ? rest : [rest])] as RouteHook;
}

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, modules, metrics, constitution } = options;
  const kitLabel = modules.length === 1 && modules[0] ? modules[0].descriptor.name : 'gateway';
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // The kit writes one access line per request itself (onResponse), with the route and timing.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('principal', undefined);

  const guard = createGuard(options.authenticator);
  const declaredRoutes: RouteOptions[] = [];
  app.decorate('declaredRoutes', declaredRoutes);
  app.addHook('onRoute', (route) => {
    assertRouteDeclaresAuth(route);
    declaredRoutes.push(route);
    // Only protected routes pay for the guard. It runs on request, before the body is read and
    // validated, so a caller without credentials learns nothing about a route's schema.
    if (route.config?.auth && 'roles' in route.config.auth)
      route.onRequest = prependHook(guard, route.onRequest);
  });
  // Failed requests are always logged; successful ones at debug, since a line per request would
  // cost more than everything else the kit does (measured in bench/http-kit.bench.ts).
  const accessLogEveryRequest = options.logger.isLevelEnabled('debug');
  app.addHook('onRequest', (request, reply, done) => {
    const active = constitution.current();
    reply.header('x-request-id', request.id);
    reply.header(HASH_HEADER, active.short);
    const expected = request.headers[HASH_HEADER];
    if (typeof expected === 'string' && !hashMatches(expected, active)) {
      done(hashMismatch(expected, active));
      return;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions;
    metrics.observe(
      route.config.service ?? kitLabel,
      route.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 400 || accessLogEveryRequest) {
      request.log[reply.statusCode >= 400 ? 'info' : 'debug'](
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });

  app.setErrorHandler(async (error, request, reply) => {
    const problem = toProblem(error, request.url, request.id);
    if (problem.internal !== undefined) {
      request.log.error({ err: problem.internal, errorId: problem.body.errorId }, 'request failed');
    }
    return reply
      .code(problem.body.status)
      .headers(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.body));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = commonErrors.create(
      'ROUTE_NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0]}`,
    );
    const problem = toProblem(error, request.url, request.id);
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ACGS API',
        version: options.version,
        description: 'Constitutional governance for AI agents',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
  });

  const checks = [...options.dependencyChecks, ...modules.flatMap((module) => module.readiness ?? [])];
  registerKitRoutes(app, { modules, checks, metrics });

  for (const module of modules) {
    const name = module.descriptor.name;
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, service: name };
      });
      await scope.register(module.routes);
    });
  }
  return app;
}

interface KitRouteOptions {
  readonly modules: readonly ServiceModule[];
  readonly checks: readonly ReadinessCheck[];
  readonly metrics: HttpMetrics;
}

const PUBLIC = { auth: { public: true } } as const;

function registerKitRoutes(app: FastifyInstance, { modules, checks, metrics }: KitRouteOptions): void {
  const serviceNames = modules.map((module) => module.descriptor.name);
  app.get('/health/live', { config: PUBLIC, schema: { tags: ['health'] } }, async () => ({ status: 'live' }));
  app.get('/health/ready', { config: PUBLIC, schema: { tags: ['health'] } }, async (request, reply) => {
    const report = await runReadinessChecks(checks);
    if (report.ready) return { status: 'ready', services: serviceNames, checks: report.checks };
    const failing = report.failing
      .map((name) => `${name} (${report.checks[name]?.error ?? 'failing'})`)
      .join(', ');
    const problem = toProblem(
      commonErrors.create('DEPENDENCY_UNAVAILABLE', `not ready: ${failing}`, {
        details: { services: serviceNames, failing: report.failing, checks: report.checks },
      }),
      request.url,
      request.id,
    );
    return reply
      .code(503)
      .header('retry-after', '5')
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.body));
  });
  app.get('/metrics', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.text()),
  );
  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, async () => mergedDocument(app));
  app.get<{ Params: { service: string } }>(
    '/openapi/:service.json',
    { config: PUBLIC, schema: { hide: true } },
    async (request) => {
      const module = modules.find((m) => m.descriptor.name === request.params.service);
      if (!module) {
        throw commonErrors.create(
          'NOT_FOUND',
          `no service ${JSON.stringify(request.params.service)} runs here`,
        );
      }
      const descriptor = SERVICES[module.descriptor.name];
      return documentForPrefixes(mergedDocument(app), descriptor.title, descriptor.prefixes);
    },
  );
}
