/**
 * Tracing in distributed mode (issue 16, done-when 3): auth, ac, integrity, ec and pgc as separate
 * processes on PostgreSQL, Redis and NATS, exporting OTLP/HTTP to a receiver in this test. One
 * decision, sent with a W3C `traceparent` as a gateway would, yields one trace whose spans come from
 * at least three services (pgc deciding, auth resolving the agent's API key, integrity logging the
 * decision), every span's parent inside the trace; the services' log lines carry the trace id. A
 * bundle activation's event is consumed by the log's intake in the activation's trace (bus context).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPolicies } from '../../src/policy/index.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { EXAMPLE_FILE } from '../support/constitution-fixture.js';
import { removeRunState, runEnvironment } from '../support/distributed-run.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs, waitFor } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));
const { postgres, redis, nats, skip } = await distributedServices();

interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
}

/** OTLP/JSON ids are hex; a protobuf-JSON encoder may send base64. */
function hexId(value: string | undefined, bytes: number): string {
  if (value === undefined || value === '') return '';
  return new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(value)
    ? value
    : Buffer.from(value, 'base64').toString('hex');
}

/** An OTLP/HTTP trace receiver (JSON) on loopback. */
function otlpReceiver(spans: ReceivedSpan[]): Server {
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += String(chunk);
    });
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.includes('json')) {
        const message = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: {
              spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }[];
            }[];
          }[];
        };
        for (const resourceSpans of message.resourceSpans) {
          const service =
            resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resourceSpans.scopeSpans)
            for (const span of scope.spans)
              spans.push({
                service,
                traceId: hexId(span.traceId, 16),
                spanId: hexId(span.spanId, 8),
                parentSpanId: hexId(span.parentSpanId, 8),
                name: span.name,
                kind: span.kind,
              });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

describe('tracing, distributed: one decision is one trace across pgc, auth and integrity', { skip }, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('trace');
  const env: Record<string, string> = {};
  const processes = new Map<string, PlatformProcess>();
  const spans: ReceivedSpan[] = [];
  const receiver = otlpReceiver(spans);

  before(async () => {
    const receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    database = await createTemporaryPostgresDatabase(postgres.url, 'trace');
    Object.assign(env, {
      ...runEnvironment(run, { database: database.url, redis: redis.url, nats: nats.url }),
      LOG_LEVEL: 'debug',
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_CONSTITUTION_FILE: EXAMPLE_FILE,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
      // Follow the caller's sampling decision; this test's traceparent says "sampled".
      OTEL_TRACES_SAMPLER: 'parentbased_always_off',
    });
    for (const name of ['auth', 'ac', 'integrity', 'ec', 'fv', 'pgc'])
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
    const migrated = runAcgs(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    const key = runAcgs(
      ['apikey', 'create', '--account', 'svc-pgc', '--role', 'service', '--rate', '1000000'],
      env,
    );
    assert.equal(key.code, 0, key.stderr);
    env.ACGS_SERVICE_API_KEY = key.stdout.trim();
    // The formal verifier logs its reports under its own identity (a service writes its own source).
    const fvKey = runAcgs(['apikey', 'create', '--account', 'svc-fv', '--role', 'service'], env);
    assert.equal(fvKey.code, 0, fvKey.stderr);
    await Promise.all(
      ['auth', 'ac', 'integrity', 'ec', 'fv', 'pgc'].map(async (name) => {
        const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
        const own = name === 'fv' ? { ACGS_SERVICE_API_KEY: fvKey.stdout.trim() } : {};
        processes.set(name, await startAcgs(['serve', name], { ...env, ...own, ACGS_PORT: port }, 120_000));
      }),
    );
  });

  after(async () => {
    const all = [...processes.values()].filter((p) => p.child.exitCode === null);
    await Promise.all(all.map((p) => p.terminate()));
    receiver.close();
    await database?.drop();
    await removeRunState(run, redis.url, nats.url);
  });

  test('the decision trace has spans from at least three services, and log lines carry its id', async () => {
    const auth = processes.get('auth')!.url;
    const pgc = processes.get('pgc')!.url;
    const admin = bearer((await loginAsAdmin(auth)).accessToken);
    const constitution = await api(processes.get('ac')!.url, 'GET', '/api/v1/constitution/active', {
      headers: admin,
    });
    assert.equal(constitution.status, 200, JSON.stringify(constitution.body));
    await waitFor(
      `${pgc}/health/live`,
      (r) => r.headers.get('x-constitutional-hash') === String(constitution.body.short),
    );
    const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
    const bundle = await api(pgc, 'POST', '/api/v1/policies/bundles', { headers: admin, body: { policies } });
    assert.equal(bundle.status, 201, JSON.stringify(bundle.body));
    // A governance flow: the activation's event reaches the log's intake in the same trace.
    const activationTrace = randomBytes(16).toString('hex');
    const activated = await api(pgc, 'POST', `/api/v1/policies/bundles/${bundle.body.id}/activate`, {
      headers: { ...admin, traceparent: `00-${activationTrace}-${randomBytes(8).toString('hex')}-01` },
    });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    // A key the pgc has never seen: the guard resolves it through the Auth service.
    const created = await api(auth, 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account: 'trace-agent', roles: ['agent'], delegate: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const scenario = (
      constitution.body.document as { scenarioSuites: { scenarios: { request: unknown }[] }[] }
    ).scenarioSuites[0]!.scenarios[0]!;

    const traceId = randomBytes(16).toString('hex');
    const rootSpanId = randomBytes(8).toString('hex');
    const decided = await api(pgc, 'POST', '/api/v1/decisions', {
      headers: { 'x-api-key': String(created.body.key), traceparent: `00-${traceId}-${rootSpanId}-01` },
      body: scenario.request,
    });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    // The batch processors export within about a second.
    const deadline = Date.now() + 20_000;
    const mine = () => spans.filter((s) => s.traceId === traceId);
    const services = () => new Set(mine().map((s) => s.service));
    while (
      Date.now() < deadline &&
      !['acgs-pgc', 'acgs-auth', 'acgs-integrity'].every((s) => services().has(s))
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const trace = mine();
    process.stderr.write(`# trace ${traceId}: ${trace.map((s) => `${s.service}:${s.name}`).join(', ')}\n`);
    assert.ok(services().size >= 3, `spans from ${[...services()].join(', ')}`);
    for (const service of ['acgs-pgc', 'acgs-auth', 'acgs-integrity'])
      assert.ok(services().has(service), service);
    const ids = new Set([rootSpanId, ...trace.map((s) => s.spanId)]);
    for (const span of trace)
      assert.ok(ids.has(span.parentSpanId), `${span.service} ${span.name}: parent in the trace`);
    const server = trace.find((s) => s.service === 'acgs-pgc' && s.name === 'POST /api/v1/decisions');
    assert.equal(server?.parentSpanId, rootSpanId, "pgc's server span is the child of the caller's span");

    const consumed = () =>
      spans.find(
        (s) =>
          s.traceId === activationTrace &&
          s.service === 'acgs-integrity' &&
          s.name === 'policy.bundle.activated process',
      );
    for (let i = 0; i < 100 && consumed() === undefined; i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(consumed(), 'the integrity intake consumed the activation event inside the activation trace');
    assert.equal(consumed()!.kind, 5, 'a CONSUMER span');

    // The services' log lines name the trace (the access line of each traced request).
    for (const name of ['pgc', 'integrity']) {
      await waitFor(
        `${processes.get(name)!.url}/health/live`,
        () => processes.get(name)!.stdout().includes(traceId),
        5000,
      );
      const line = processes
        .get(name)!
        .stdout()
        .split('\n')
        .find((l) => l.includes(traceId));
      assert.equal((JSON.parse(line!) as { traceId: string }).traceId, traceId, `${name} log line`);
    }
  });
});
