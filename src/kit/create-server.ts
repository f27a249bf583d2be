import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Type } from '@sinclair/typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseHookHandler,
  type RouteHandlerMethod,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import type { PlatformConfig } from '../kernel/config.js';
import { type ConstitutionalHash, hashMatches } from '../kernel/constitutional-hash.js';
import { commonErrors, PlatformError } from '../kernel/errors.js';
import { SERVICES } from '../kernel/services.js';
import type { ActiveConstitution } from './active-constitution.js';
import { AllowedMethods } from './allowed-methods.js';
import type { ClientRateLimiter } from './client-rate-limiter.js';
import { EventStreamSlots } from './event-stream.js';
import { clientErrorHandler, frameworkErrorHandler } from './framework-errors.js';
import type { HttpMetrics, RouteRecorder } from './http-metrics.js';
import { parseJsonBody } from './json-body.js';
import { KitLogger } from './lazy-request-logger.js';
import { buildOpenApiDocument } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, ProblemSchema, toProblem } from './problem-details.js';
import { runReadinessChecks } from './readiness.js';
import { RequestIdSequence } from './request-id.js';
import { createValidatorCompiler } from './request-validation.js';
import { type Authenticator, assertRouteDeclaresAuth, createGuard, limitClient } from './route-auth.js';
import type { ReadinessCheck, ServiceModule } from './service-module.js';
import { createShutdownShedding } from './shutdown-shedding.js';
import { requestTraceId, routeTraceHooks } from './trace-hooks.js';

export interface ServerOptions {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly modules: readonly ServiceModule[];
  /** Shared adapters' checks (database, bus, cache); each module adds its own. */
  readonly dependencyChecks: readonly ReadinessCheck[];
  readonly constitution: ActiveConstitution;
  readonly metrics: HttpMetrics;
  readonly authenticator?: Authenticator;
  /** The per-client limit on every route (absent: none). */
  readonly rateLimiter?: ClientRateLimiter;
  readonly version: string;
  /** Server spans for every route (OpenTelemetry enabled: kit/tracing.ts); off: no hook at all. */
  readonly tracing?: boolean;
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

/** A route's hook list with `first` in front (Fastify accepts one hook or an array). */
function prependHook<Hook>(first: Hook, rest: Hook | readonly Hook[] | undefined): Hook[] {
  if (rest === undefined) return [first];
  return [first, ...(Array.isArray(rest) ? (rest as readonly Hook[]) : [rest as Hook])];
}

/**
 * Sets `X-Request-Id` and `X-Constitutional-Hash` on a response, and returns the 409 error when
 * the request expects another constitution. Called by each route's handler wrapper, the error
 * handler and the not-found handler rather than from a global hook: a hook on every request
 * cost more than the work it does (bench/http-kit.bench.ts).
 */
function stampHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  constitution: ActiveConstitution,
): PlatformError | undefined {
  const active = constitution.current();
  reply.header('x-request-id', request.id);
  reply.header(HASH_HEADER, active.short);
  // API answers are never to be sniffed as another type nor kept by caches (tokens, keys, decisions).
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'no-store');
  const expected = request.headers[HASH_HEADER];
  return typeof expected === 'string' && !hashMatches(expected, active)
    ? hashMismatch(expected, active)
    : undefined;
}

function stampingHandler(handler: RouteHandlerMethod, constitution: ActiveConstitution): RouteHandlerMethod {
  return function stampedHandler(this: FastifyInstance, request, reply) {
    const mismatch = stampHeaders(request, reply, constitution);
    if (mismatch) throw mismatch;
    return handler.call(this, request, reply);
  };
}

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, modules, metrics, constitution } = options;
  const kitLabel = modules.length === 1 && modules[0] ? modules[0].descriptor.name : 'gateway';
  const requestIds = new RequestIdSequence();
  const shedding = createShutdownShedding();
  const app = Fastify({
    serverFactory: shedding.serverFactory,
    loggerInstance: new KitLogger(options.logger) as unknown as FastifyBaseLogger,
    // The kit writes one access line per request itself (onResponse), with the route and timing.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestIds.next();
    },
    bodyLimit: config.bodyLimitBytes,
    // Requests arriving once close() began are answered by `shedding` (problem+json, not
    // Fastify's bare JSON); in-flight ones finish.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Slow clients: headers, the whole request and idle keep-alive connections each have a limit.
    // Node checks the first two every connectionsCheckingInterval, so keep that below them.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.idleTimeoutMs,
    http: {
      headersTimeout: Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1000, Math.floor(Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs) / 4)),
      ),
    },
    trustProxy: config.http.trustedProxies.length > 0 ? [...config.http.trustedProxies] : false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.addHook('preClose', (done) => {
    shedding.start();
    done();
  });
  // JSON bodies: duplicate keys and __proto__ are refused, naming the member (json-body.ts). No
  // route takes text: a text/plain body is a 415, not a string that fails the schema as a 400.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const limiter = options.rateLimiter;
  if (limiter) app.addHook('onClose', async () => limiter.stop());
  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('principal', undefined);

  const guard = createGuard(options.authenticator, limiter);
  // Public routes are limited per client address (protected ones by the guard, per credential).
  const limitPublic = limiter
    ? async (request: FastifyRequest) => limitClient(limiter, `ip:${request.ip}`)
    : undefined;
  const declaredRoutes: RouteOptions[] = [];
  const allowedMethods = new AllowedMethods(declaredRoutes);
  app.decorate('declaredRoutes', declaredRoutes);
  app.decorate('eventStreamSlots', new EventStreamSlots(config.http.streamsPerClient));
  app.addHook('onRoute', (route) => {
    assertRouteDeclaresAuth(route);
    declaredRoutes.push(route);
    // Only protected routes pay for the guard. It runs on request, before the body is read and
    // validated, so a caller without credentials learns nothing about a route's schema.
    if (route.config?.auth && 'roles' in route.config.auth)
      route.onRequest = prependHook(guard, route.onRequest);
    else if (limitPublic) route.onRequest = prependHook(limitPublic, route.onRequest);
    route.handler = stampingHandler(route.handler, constitution);
    // Per route rather than global: the labels are read from the route itself, not rebuilt from
    // request.routeOptions (a getter that allocates) on every response.
    const recorders = new Map<string, RouteRecorder>();
    const observe: onResponseHookHandler = (request, reply, done) => {
      let recorder = recorders.get(request.method);
      if (recorder === undefined) {
        // Bound on first use: the owning service's label is set after this hook, by its scope.
        recorder = metrics.forRoute(route.config?.service ?? kitLabel, route.url, request.method);
        recorders.set(request.method, recorder);
      }
      recordResponse(recorder, request, reply);
      done();
    };
    route.onResponse = prependHook(observe, route.onResponse);
    if (options.tracing) {
      // First of all hooks, so the guard's calls (an API key resolved by the Auth service) and the
      // handler run inside the request's span.
      const traced = routeTraceHooks(route.url, () => route.config?.service ?? kitLabel);
      route.onRequest = prependHook(traced.start, route.onRequest);
      route.onResponse = prependHook(traced.end, route.onResponse);
    }
  });
  // Failed requests are always logged; successful ones at debug, since a line per request would
  // cost more than everything else the kit does (measured in bench/http-kit.bench.ts).
  const accessLogEveryRequest = options.logger.isLevelEnabled('debug');
  const recordResponse = (recorder: RouteRecorder, request: FastifyRequest, reply: FastifyReply) => {
    recorder.observe(reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400 || accessLogEveryRequest) {
      request.log[reply.statusCode >= 400 ? 'info' : 'debug'](
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
          ...(options.tracing ? { traceId: requestTraceId(request) } : {}),
        },
        'request completed',
      );
    }
  };

  app.setErrorHandler(async (error, request, reply) => {
    stampHeaders(request, reply, constitution);
    const problem = toProblem(error, request.url, request.id);
    if (problem.internal !== undefined) {
      // A coded 503 is a state the platform is in (no active bundle, a full queue, shutting down),
      // answered with Retry-After: worth a line, not an error with a stack.
      if (problem.body.status === 503 && problem.internal instanceof PlatformError) {
        const { code, message } = problem.internal;
        request.log.warn(
          { code, detail: message, errorId: problem.body.errorId },
          'request refused: unavailable',
        );
      } else {
        request.log.error({ err: problem.internal, errorId: problem.body.errorId }, 'request failed');
      }
    }
    return reply
      .code(problem.body.status)
      .headers(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.body));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const mismatch = stampHeaders(request, reply, constitution);
    reply.raw.once('finish', () =>
      recordResponse(metrics.forRoute(kitLabel, 'unmatched', request.method), request, reply),
    );
    if (mismatch) throw mismatch;
    if (limiter) limitClient(limiter, `ip:${request.ip}`);
    const path = request.url.split('?')[0] ?? '/';
    const allowed = allowedMethods.for(path);
    const error =
      allowed.length > 0
        ? commonErrors.create(
            'METHOD_NOT_ALLOWED',
            `${path} answers ${allowed.join(', ')}, not ${request.method}`,
          )
        : commonErrors.create('ROUTE_NOT_FOUND', `no route ${request.method} ${path}`);
    const problem = toProblem(error, request.url, request.id);
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    return reply.code(problem.body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
  });

  const checks = [...options.dependencyChecks, ...modules.flatMap((module) => module.readiness ?? [])];
  registerKitRoutes(app, {
    modules,
    checks,
    metrics,
    routes: declaredRoutes,
    version: options.version,
    metricsToken: config.http.metricsToken,
  });

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
  /** Every route of this server, filled as routes are added (read when a document is asked for). */
  readonly routes: readonly RouteOptions[];
  readonly version: string;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
}

const PUBLIC = { auth: { public: true } } as const;

const LiveReply = Type.Object({ status: Type.Literal('live') });
const ReadyReply = Type.Object({
  status: Type.Literal('ready'),
  services: Type.Array(Type.String()),
  checks: Type.Record(
    Type.String(),
    Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
      latencyMs: Type.Number(),
      error: Type.Optional(Type.String()),
    }),
  ),
});

function registerKitRoutes(
  app: FastifyInstance,
  { modules, checks, metrics, routes, version, metricsToken }: KitRouteOptions,
): void {
  const serviceNames = modules.map((module) => module.descriptor.name);
  app.get(
    '/health/live',
    {
      config: PUBLIC,
      schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: LiveReply } },
    },
    async () => ({ status: 'live' }),
  );
  app.get(
    '/health/ready',
    {
      config: PUBLIC,
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when every dependency check passes, 503 naming the failing ones',
        response: { 200: ReadyReply, 503: ProblemSchema },
      },
    },
    async (request, reply) => {
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
    },
  );
  const expectedMetricsAuth = metricsToken === undefined ? undefined : Buffer.from(`Bearer ${metricsToken}`);
  app.get('/metrics', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    if (expectedMetricsAuth !== undefined) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expectedMetricsAuth.length || !timingSafeEqual(given, expectedMetricsAuth)) {
        throw commonErrors.create(
          'AUTH_REQUIRED',
          '/metrics needs the metrics bearer token (ACGS_METRICS_TOKEN)',
          {
            headers: { 'www-authenticate': 'Bearer' },
          },
        );
      }
    }
    return reply.type(metrics.contentType).send(await metrics.text());
  });
  const info = { title: 'ACGS API', version, description: 'Constitutional governance for AI agents' };
  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, async () =>
    buildOpenApiDocument(routes, info),
  );
  app.get<{ Params: { service: string } }>(
    '/openapi/:service.json',
    { config: PUBLIC, schema: { hide: true } },
    async (request) => {
      const module = modules.find((m) => m.descriptor.name === request.params.service);
      if (!module) {
        throw commonErrors.create(
          'RESOURCE_NOT_FOUND',
          `no service ${JSON.stringify(request.params.service)} runs here`,
        );
      }
      const descriptor = SERVICES[module.descriptor.name];
      return buildOpenApiDocument(
        routes,
        { ...info, title: `ACGS ${descriptor.title} API` },
        descriptor.prefixes,
      );
    },
  );
}
