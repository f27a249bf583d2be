/**
 * Done-when 1 of the Auth issue: the authorisation matrix, built from the running embedded
 * platform's own route table (every route of every service, including routes added later):
 * a listed role is never refused (401/403), an unlisted role gets exactly 403, no credentials
 * exactly 401, and public routes answer without credentials. A route that declares no roles
 * stops the server from starting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { type RunningPlatform, startPlatform } from '../../src/apps/platform.js';
import { loadConfig } from '../../src/kernel/config.js';
import { ROLES, type Role } from '../../src/kernel/roles.js';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../../src/kernel/services.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import { createLogger } from '../../src/kit/logger.js';
import { EMPTY_CONSTITUTION_HASH } from '../../src/services/constitutional-ai/empty-constitution.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { type KubeObject, readYamlFile } from '../support/deploy-files.js';
import { freePort } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-matrix-'));
process.env.ACGS_ADMIN_PASSWORD = TEST_ADMIN_PASSWORD;
let platform: RunningPlatform;
const keys = new Map<Role, string>();
/** `svc-<name>` identities: the service role, and a name routes between services can list. */
const serviceKeys = new Map<ServiceName, string>();
let adminToken: string;

before(async () => {
  const config = loadConfig(
    { mode: 'embedded' },
    { ACGS_DATA_DIR: dataDir, ACGS_PORT: String(await freePort()), LOG_LEVEL: 'warn' },
  );
  platform = await startPlatform(config, {
    logger: createLogger({ level: 'warn', base: { service: 'gateway' }, destination: { write() {} } }),
  });
  adminToken = (await loginAsAdmin(platform.url)).accessToken;
  for (const role of ROLES) {
    const created = await api(platform.url, 'POST', '/api/v1/auth/api-keys', {
      headers: bearer(adminToken),
      body: { account: `matrix-${role.replace('_', '-')}`, roles: [role], rateLimitPerMinute: 1_000_000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    keys.set(role, String(created.body.key));
  }
  for (const service of SERVICE_NAMES) {
    const created = await api(platform.url, 'POST', '/api/v1/auth/api-keys', {
      headers: bearer(adminToken),
      body: { account: `svc-${service}`, roles: ['service'], rateLimitPerMinute: 1_000_000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    serviceKeys.set(service, String(created.body.key));
  }
});

after(async () => {
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly service: string;
  readonly auth: NonNullable<RouteOptions['config']>['auth'];
}

/** Every method × route of the server, with parameters filled in. */
function probes(routes: readonly RouteOptions[]): Probe[] {
  return routes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
      method: String(method),
      path: route.url.replace(/:[A-Za-z_]\w*/g, 'matrix-probe').replace(/\*$/, 'matrix-probe'),
      service: route.config?.service ?? 'kit',
      auth: route.config?.auth,
    })),
  );
}

async function send(probe: Probe, headers: Record<string, string>) {
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(probe.method);
  const response = await fetch(`${platform.url}${probe.path}`, {
    method: probe.method,
    headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: '{}' } : {}),
  });
  // An event stream stays open: its status is all the matrix needs.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) await response.body?.cancel();
  else await response.arrayBuffer();
  return response.status;
}

describe('authorisation matrix over every route of every service', () => {
  test('the route table covers the kit and the services, and every route declares its auth', () => {
    const all = probes(platform.app.declaredRoutes);
    assert.ok(all.some((probe) => probe.path === '/health/ready'));
    assert.ok(all.filter((probe) => probe.service === 'auth').length >= 15, 'auth routes are in the table');
    for (const probe of all) assert.ok(probe.auth !== undefined, `${probe.method} ${probe.path}`);
  });

  test('listed roles pass the guard, unlisted roles get 403, no credentials get 401', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const probe of probes(platform.app.declaredRoutes)) {
      const where = `${probe.method} ${probe.path} (${probe.service})`;
      if (probe.auth === undefined) continue;
      if ('public' in probe.auth) {
        const status = await send(probe, {});
        checked += 1;
        if (status === 401 || status === 403) failures.push(`${where}: public route answered ${status}`);
        continue;
      }
      const anonymous = await send(probe, {});
      checked += 1;
      if (anonymous !== 401) failures.push(`${where}: without credentials ${anonymous}, expected 401`);
      for (const role of ROLES) {
        const status = await send(probe, { 'x-api-key': keys.get(role)! });
        checked += 1;
        // A route that names its calling services admits the service role only for them: the
        // `matrix-service` account is no `svc-<name>` identity.
        const listed = probe.auth.roles.includes(role) && !(role === 'service' && probe.auth.services);
        if (listed && (status === 401 || status === 403))
          failures.push(`${where}: listed role ${role} got ${status}`);
        if (!listed && status !== 403)
          failures.push(`${where}: unlisted role ${role} got ${status}, expected 403`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked > 100, `only ${checked} checks`);
  });

  test('routes between services admit exactly the services they name (the service permission table)', async () => {
    const failures: string[] = [];
    let named = 0;
    for (const probe of probes(platform.app.declaredRoutes)) {
      if (probe.auth === undefined || 'public' in probe.auth || !probe.auth.roles.includes('service'))
        continue;
      if (probe.auth.services !== undefined) named += 1;
      for (const service of SERVICE_NAMES) {
        const status = await send(probe, { 'x-api-key': serviceKeys.get(service)! });
        const admitted = probe.auth.services === undefined || probe.auth.services.includes(service);
        if (admitted && (status === 401 || status === 403))
          failures.push(`${probe.method} ${probe.path}: svc-${service} got ${status}`);
        if (!admitted && status !== 403)
          failures.push(`${probe.method} ${probe.path}: svc-${service} got ${status}, expected 403`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(named >= 2, 'the enactment and activation routes name their services');
  });

  test('the mesh mirrors the service permission table: a DENY rule for each route that names its services, and only for those', () => {
    const INGRESS = 'cluster.local/ns/ingress-nginx/sa/ingress-nginx';
    const account = (service: string) => `cluster.local/ns/acgs/sa/acgs-${service}`;
    // As scripts/generate-kubernetes.mjs writes a path: a suffix match after the last parameter.
    const istioPath = (url: string) => {
      const segments = url.split('/');
      const last = segments.findLastIndex((segment) => segment.startsWith(':'));
      return last < 0 ? url : `*/${segments.slice(last + 1).join('/')}`;
    };
    const line = (service: string, method: string, path: string, callers: readonly string[]) =>
      `${service} ${method} ${path} ← ${[...callers].sort().join(' ')}`;
    const routes = platform.app.declaredRoutes;
    const expected = routes.flatMap((route) => {
      const auth = route.config?.auth;
      if (auth === undefined || 'public' in auth || auth.services === undefined) return [];
      // Roles besides `service` (an admin) arrive through the ingress controller.
      const callers = [
        ...auth.services.map(account),
        ...(auth.roles.some((role) => role !== 'service') ? [INGRESS] : []),
      ];
      return (Array.isArray(route.method) ? route.method : [route.method]).map((method) =>
        line(String(route.config?.service), String(method), istioPath(route.url), callers),
      );
    });
    const actual = SERVICE_NAMES.flatMap((service) =>
      readYamlFile(`deploy/kubernetes/mesh/services/${service}/${service}.yaml`)
        .filter((o: KubeObject) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'DENY')
        .flatMap((policy: KubeObject) =>
          policy.spec.rules.flatMap((rule: KubeObject) =>
            (rule.to[0].operation.methods as string[]).flatMap((method) =>
              (rule.to[0].operation.paths as string[]).map((path) =>
                line(service, method, path, rule.from[0].source.notPrincipals as string[]),
              ),
            ),
          ),
        ),
    );
    assert.ok(expected.length >= 10, `${expected.length} routes name their services`);
    assert.deepEqual(actual.sort(), expected.sort());
    // A suffix match refuses only its own route: no other route of the service ends the same way.
    for (const entry of actual.filter((e) => e.split(' ')[2]!.startsWith('*'))) {
      const [service, method, path] = entry.split(' ') as [string, string, string];
      const matching = routes.filter(
        (route) =>
          route.config?.service === service &&
          [route.method].flat().includes(method as never) &&
          route.url.endsWith(path.slice(1)),
      );
      assert.equal(matching.length, 1, `${entry}: ${matching.map((r) => r.url).join(', ')}`);
    }
  });

  test('bearer tokens are held to the same roles as API keys', async () => {
    for (const probe of probes(platform.app.declaredRoutes)) {
      if (probe.auth === undefined || 'public' in probe.auth || probe.path.endsWith('/keys/rotate')) continue;
      const status = await send(probe, bearer(adminToken));
      const listed = probe.auth.roles.includes('admin');
      assert.ok(
        listed ? status !== 401 && status !== 403 : status === 403,
        `${probe.method} ${probe.path}: ${status}`,
      );
    }
  });

  test('a new route without declared roles stops the server from starting', async () => {
    const build = (auth: unknown) =>
      createServer({
        config: loadConfig({ mode: 'distributed', service: 'dgm' }, {}),
        logger: createLogger({ level: 'silent', base: {} }),
        modules: [
          {
            descriptor: SERVICES.dgm,
            routes: async (app) => {
              app.get(
                '/api/v1/evolution/new-thing',
                { config: auth === undefined ? {} : { auth } } as never,
                async () => ({}),
              );
            },
          },
        ],
        dependencyChecks: [],
        constitution: new ActiveConstitution(EMPTY_CONSTITUTION_HASH),
        metrics: new HttpMetrics(),
        version: 'test',
      }).then(async (app) => {
        await app.ready();
        return app;
      });
    await assert.rejects(build(undefined), /declares no auth/);
    await assert.rejects(build({ roles: [] }), /empty role list/);
    await assert.rejects(build({ roles: ['superuser'] }), /unknown roles superuser/);
    const app = await build({ roles: ['admin'] });
    await app.close();
  });
});
