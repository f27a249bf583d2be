import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { buildKitServer } from '../../test/support/kit-server.js';
import { commonErrors } from '../kernel/errors.js';

const routes: FastifyPluginAsync = async (app) => {
  app.post(
    '/api/v1/policies/echo',
    {
      config: { auth: { public: true } },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => request.body,
  );
  app.get('/api/v1/policies/boom', { config: { auth: { public: true } } }, async () => {
    throw new Error('database password=hunter2 at /srv/secret/path');
  });
  app.get('/api/v1/policies/unavailable', { config: { auth: { public: true } } }, async () => {
    throw commonErrors.create('SERVICE_OVERLOADED', 'no capacity right now', {
      headers: { 'retry-after': '1' },
    });
  });
  app.get('/api/v1/policies/conflict', { config: { auth: { public: true } } }, async () => {
    throw commonErrors.create('RESOURCE_CONFLICT', 'policy p1 version 3 already exists', {
      details: { policyId: 'p1' },
    });
  });
  app.get('/api/v1/policies/private', { config: { auth: { roles: ['policy_author'] } } }, async () => ({
    ok: true,
  }));
};

const kit = await buildKitServer({ routes, env: { ACGS_BODY_LIMIT: '2048' } });
after(() => kit.app.close());

function problemOf(response: { headers: Record<string, unknown>; body: string }) {
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.doesNotMatch(response.body, /at .*\.js:\d+/, 'no stack trace in a response');
  return JSON.parse(response.body) as Record<string, unknown> & {
    errors?: { pointer: string; detail: string }[];
  };
}

describe('kit: errors are RFC 9457 problem+json', () => {
  test('malformed JSON is a 400 with code BODY_MALFORMED', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a", ',
    });
    assert.equal(response.statusCode, 400);
    const problem = problemOf(response);
    assert.equal(problem.code, 'BODY_MALFORMED');
    assert.equal(problem.status, 400);
    assert.equal(problem.requestId, response.headers['x-request-id']);
  });

  test('a schema violation names the failing field', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      payload: { name: 'a', count: '3' },
    });
    assert.equal(response.statusCode, 400);
    const problem = problemOf(response);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.equal(problem.errors?.[0]?.pointer, '/body/count', 'bodies are not coerced');
  });

  test('an unknown property is rejected, not dropped', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      payload: { name: 'a', count: 1, extra: true },
    });
    assert.equal(response.statusCode, 400);
    assert.equal(problemOf(response).errors?.[0]?.pointer, '/body/extra');
  });

  test('a missing property is named', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      payload: { count: 1 },
    });
    assert.equal(problemOf(response).errors?.[0]?.pointer, '/body/name');
  });

  test('a body over the configured limit is a 413', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      payload: { name: 'x'.repeat(4096), count: 1 },
    });
    assert.equal(response.statusCode, 413);
    assert.equal(problemOf(response).code, 'BODY_TOO_LARGE');
  });

  test('an unknown route is a 404 problem', async () => {
    const response = await kit.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    assert.equal(response.statusCode, 404);
    const problem = problemOf(response);
    assert.equal(problem.code, 'ROUTE_NOT_FOUND');
    assert.ok(response.headers['x-constitutional-hash'], 'even a 404 carries the constitutional hash');
  });

  test('a body sent as text/plain is a 415 problem, not a string that fails the schema', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ name: 'a', count: 1 }),
    });
    assert.equal(response.statusCode, 415);
    assert.equal(problemOf(response).code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a route asked with a method it does not answer is a 405 problem with Allow', async () => {
    const response = await kit.app.inject({ method: 'DELETE', url: '/api/v1/policies/echo?x=1' });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'POST');
    const problem = problemOf(response);
    assert.equal(problem.code, 'METHOD_NOT_ALLOWED');
    assert.match(String(problem.detail), /answers POST, not DELETE/);
    const onGet = await kit.app.inject({ method: 'PUT', url: '/api/v1/policies/boom/' });
    assert.equal(onGet.statusCode, 405);
    assert.equal(onGet.headers.allow, 'GET, HEAD');
    const deeper = await kit.app.inject({ method: 'POST', url: '/api/v1/policies/echo/more' });
    assert.equal(deeper.statusCode, 404, 'a path no route has stays a 404');
  });

  test('an unexpected error is a 500 that hides its message and logs it with an error id', async () => {
    const response = await kit.app.inject({ method: 'GET', url: '/api/v1/policies/boom' });
    assert.equal(response.statusCode, 500);
    const problem = problemOf(response);
    assert.equal(problem.code, 'INTERNAL_ERROR');
    assert.doesNotMatch(response.body, /hunter2|secret/);
    assert.ok(typeof problem.errorId === 'string');
    const logged = kit.logLines().find((line) => line.errorId === problem.errorId);
    assert.ok(logged, 'the error is logged under its errorId');
    assert.equal(logged.requestId, problem.requestId);
  });

  test('an expected 503 is logged as a warning with its code, not as an error with a stack', async () => {
    const response = await kit.app.inject({ method: 'GET', url: '/api/v1/policies/unavailable' });
    assert.equal(response.statusCode, 503);
    const problem = problemOf(response);
    assert.equal(problem.code, 'SERVICE_OVERLOADED');
    const logged = kit.logLines().find((line) => line.errorId === problem.errorId);
    assert.ok(logged, 'the refusal is logged under its errorId');
    assert.equal(logged.level, 'warn');
    assert.equal(logged.code, 'SERVICE_OVERLOADED');
    assert.equal(logged.err, undefined, 'no error object, so no stack');
  });

  test('a catalogue error keeps its status, code and details', async () => {
    const response = await kit.app.inject({ method: 'GET', url: '/api/v1/policies/conflict' });
    assert.equal(response.statusCode, 409);
    const problem = problemOf(response);
    assert.equal(problem.code, 'RESOURCE_CONFLICT');
    assert.equal(problem.policyId, 'p1');
  });
});

describe('kit: request ids, hash header, auth', () => {
  test('a valid X-Request-Id is propagated into the response and every log line of the request', async () => {
    const response = await kit.app.inject({
      method: 'GET',
      url: '/api/v1/policies/conflict',
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    assert.equal(response.headers['x-request-id'], 'trace-abc-123');
    const lines = kit.logLines().filter((line) => line.requestId === 'trace-abc-123');
    assert.ok(lines.some((line) => line.msg === 'request completed'));
  });

  test('a hostile X-Request-Id is replaced by a generated one', async () => {
    const response = await kit.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\u0000with spaces' },
    });
    assert.match(String(response.headers['x-request-id']), /^[0-9a-f]{16}-[0-9a-z]+$/);
  });

  test('every response carries the active hash; a stale expected hash is a 409 naming both', async () => {
    const active = kit.constitution.current();
    const ok = await kit.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-constitutional-hash': active.short },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['x-constitutional-hash'], active.short);
    const stale = await kit.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-constitutional-hash': '0000000000000000' },
    });
    assert.equal(stale.statusCode, 409);
    const problem = problemOf(stale);
    assert.equal(problem.code, 'CONSTITUTION_HASH_MISMATCH');
    assert.equal(problem.expectedHash, '0000000000000000');
    assert.equal(problem.activeHash, active.hash);
  });

  test('a protected route without credentials is a 401 problem', async () => {
    const response = await kit.app.inject({ method: 'GET', url: '/api/v1/policies/private' });
    assert.equal(response.statusCode, 401);
    assert.equal(problemOf(response).code, 'AUTH_REQUIRED');
  });

  test('a route that declares no auth stops the server from starting', async () => {
    await assert.rejects(
      buildKitServer({
        routes: async (app) => {
          app.get('/api/v1/policies/undeclared', async () => 'x');
        },
      }),
      /declares no auth/,
    );
  });
});

describe('kit: health and metrics', () => {
  test('readiness answers 503 naming the failing dependency, and recovers when it returns', async () => {
    let redisUp = false;
    const server = await buildKitServer({
      routes: async () => {},
      checks: [
        { name: 'postgres', check: async () => {} },
        {
          name: 'redis',
          check: async () => {
            if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
          },
        },
      ],
    });
    try {
      const down = await server.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(down.statusCode, 503);
      const problem = problemOf(down);
      assert.deepEqual(problem.failing, ['redis']);
      assert.match(String(problem.detail), /redis/);
      const live = await server.app.inject({ method: 'GET', url: '/health/live' });
      assert.equal(live.statusCode, 200);
      redisUp = true;
      const up = await server.app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(up.statusCode, 200);
      assert.deepEqual(up.json().services, ['pgc']);
    } finally {
      await server.app.close();
    }
  });

  test('metrics count requests by service, route template, method and status', async () => {
    await kit.app.inject({ method: 'GET', url: '/api/v1/policies/conflict' });
    const response = await kit.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(
      response.body,
      /http_requests_total\{service="pgc",route="\/api\/v1\/policies\/conflict",method="GET",status_code="409"\} [1-9]/,
    );
    assert.match(response.body, /http_request_duration_seconds_bucket\{le="0.005",service="pgc"/);
    assert.match(response.body, /process_cpu_user_seconds_total/);
  });

  test('the OpenAPI documents are 3.1: merged, and per service', async () => {
    const merged = (await kit.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(merged.openapi, '3.1.0');
    assert.ok(merged.paths['/api/v1/policies/echo']);
    const own = await kit.app.inject({ method: 'GET', url: '/openapi/pgc.json' });
    assert.equal(own.statusCode, 200);
    assert.ok(own.json().paths['/api/v1/policies/echo']);
    const other = await kit.app.inject({ method: 'GET', url: '/openapi/auth.json' });
    assert.equal(other.statusCode, 404);
  });
});

describe('kit: shutdown', () => {
  test('a request arriving while the server closes gets a problem+json 503 with Connection: close', async () => {
    const { connect } = await import('node:net');
    let release: () => void = () => {};
    let inFlight = false;
    const slow: FastifyPluginAsync = async (app) => {
      app.get('/api/v1/policies/slow', { config: { auth: { public: true } } }, async () => {
        inFlight = true;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { slow: true };
      });
    };
    const server = await buildKitServer({ routes: slow });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as { port: number };
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (chunk) => {
      received += String(chunk);
    });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /api/v1/policies/slow HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    while (!inFlight) await new Promise((r) => setTimeout(r, 5));
    const closing = server.app.close();
    await new Promise((r) => setTimeout(r, 50));
    // Pipelined on the open connection, after shutdown began.
    socket.write('GET /api/v1/policies/echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-1\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.race([ended, new Promise((r) => setTimeout(r, 5000))]);
    socket.destroy();
    await closing;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, received);
    assert.match(responses[0]!, /^HTTP\/1\.1 200/);
    const late = responses[1]!;
    assert.match(late, /^HTTP\/1\.1 503/);
    assert.match(late, /\r\nconnection: close\r\n/i);
    assert.match(late, /\r\nretry-after: 1\r\n/i);
    assert.match(late, /\r\ncontent-type: application\/problem\+json/i);
    const problem = JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.equal(problem.code, 'SHUTTING_DOWN');
    assert.equal(problem.status, 503);
    assert.equal(problem.requestId, 'late-1');
  });

  test('a connection that never sent a request does not hold the close (a client’s spare keep-alive socket)', {
    timeout: 20_000,
  }, async () => {
    const { connect } = await import('node:net');
    const server = await buildKitServer({ routes });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as { port: number };
    const silent = connect({ host: '127.0.0.1', port });
    const dropped = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    const started = Date.now();
    await server.app.close();
    await dropped;
    const ms = Date.now() - started;
    assert.ok(ms < 5000, `closed in ${ms} ms (the idle timeout is 72 s)`);
  });
});
