/**
 * The kit's protections on every route (security issue, done-when 5 and 8): per-client rate
 * limits, timeouts that cut off slow requests, duplicate JSON keys refused, nosniff and no-store,
 * problem+json for framework errors, an optional token for /metrics.
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import type { FastifyPluginAsync } from 'fastify';
import { buildKitServer } from '../../test/support/kit-server.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import { commonErrors } from '../kernel/errors.js';
import type { Principal } from '../kernel/roles.js';
import { ClientRateLimiter } from './client-rate-limiter.js';
import { openEventStream } from './event-stream.js';
import type { Authenticator } from './route-auth.js';

const routes: FastifyPluginAsync = async (app) => {
  app.post('/api/v1/policies/echo', { config: { auth: { public: true } } }, async (request) => request.body);
  app.get('/api/v1/policies/private', { config: { auth: { roles: ['agent'] } } }, async () => ({ ok: true }));
  app.get('/api/v1/policies/stream', { config: { auth: { roles: ['agent'] } } }, async (request, reply) => {
    openEventStream(request, reply).send('hello', {});
    return reply;
  });
};

/**
 * Bearer `good-<name>` is a user; `key-<name>-<per minute>` an API key with a limit of its own;
 * anything else is refused.
 */
const authenticator: Authenticator = {
  async authenticate(request) {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const [, token = ''] = header.split(' ');
    const base = { roles: ['agent'], scopes: [], kind: 'user' } as const;
    if (token.startsWith('good-')) return { ...base, subject: token } satisfies Principal;
    if (token.startsWith('key-')) {
      const perMinute = Number(token.split('-').at(-1));
      return {
        ...base,
        subject: token,
        ownRateLimit: { client: `key:${token}`, perMinute },
      } satisfies Principal;
    }
    throw commonErrors.create('AUTH_REQUIRED', 'bad token');
  },
};

const limiter = new ClientRateLimiter({ cache: new MemoryCacheStore(), perMinute: 100_000, burst: 5 });
const kit = await buildKitServer({
  routes,
  authenticator,
  rateLimiter: limiter,
  env: {
    ACGS_METRICS_TOKEN: 'metrics-token-0123456789',
    ACGS_HTTP_REQUEST_TIMEOUT_MS: '600',
    ACGS_HTTP_HEADERS_TIMEOUT_MS: '600',
    ACGS_HTTP_IDLE_TIMEOUT_MS: '600',
    ACGS_TRUSTED_PROXIES: '127.0.0.1',
    ACGS_HTTP_STREAMS_PER_CLIENT: '2',
  },
});
after(() => kit.app.close());

let port = 0;
/** The kit server's port, listening from the first call on (for what inject() cannot do). */
async function listening(): Promise<number> {
  if (port === 0) port = Number(new URL(await kit.app.listen({ host: '127.0.0.1', port: 0 })).port);
  return port;
}

/** Statuses of `n` requests sent one after another. */
async function statuses(n: number, options: { url: string; headers?: Record<string, string> }) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await kit.app.inject({ method: 'GET', ...options })).statusCode);
  return out;
}

describe('per-client rate limits on every route', () => {
  test('anonymous traffic is limited per address; X-Forwarded-For counts behind a trusted proxy', async () => {
    const seen = await statuses(7, { url: '/health/live', headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.deepEqual(seen, [200, 200, 200, 200, 200, 429, 429]);
    const limited = await kit.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(JSON.parse(limited.body).code, 'RATE_LIMITED');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
    assert.equal(
      (await statuses(1, { url: '/health/live', headers: { 'x-forwarded-for': '203.0.113.8' } }))[0],
      200,
    );
  });

  test('bad tokens count against the address; a user token against the user; unmatched routes too', async () => {
    const bad = await statuses(7, {
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer forged', 'x-forwarded-for': '203.0.113.9' },
    });
    assert.deepEqual(bad, [401, 401, 401, 401, 401, 429, 429]);
    const user = await statuses(7, {
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer good-alice', 'x-forwarded-for': '203.0.113.10' },
    });
    assert.deepEqual(user, [200, 200, 200, 200, 200, 429, 429]);
    // Another user from the same address has its own count.
    const bob = await statuses(1, {
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer good-bob', 'x-forwarded-for': '203.0.113.10' },
    });
    assert.deepEqual(bob, [200]);
    const missing = await statuses(7, { url: '/nowhere', headers: { 'x-forwarded-for': '203.0.113.11' } });
    assert.deepEqual(missing, [404, 404, 404, 404, 404, 429, 429]);
  });

  test('an API key with a limit of its own is held to it, with a burst of at least a second of it', async () => {
    // 600 a minute: a second's share (10) is more than the default burst of 5.
    const batch = await statuses(12, {
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer key-batch-600', 'x-forwarded-for': '203.0.113.12' },
    });
    assert.deepEqual(batch, [...Array(10).fill(200), 429, 429]);
    // 3 a minute: the minute, not the burst, is spent first.
    const small = await statuses(5, {
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer key-small-3', 'x-forwarded-for': '203.0.113.12' },
    });
    assert.deepEqual(small, [200, 200, 200, 429, 429]);
    const limited = await kit.app.inject({
      method: 'GET',
      url: '/api/v1/policies/private',
      headers: { authorization: 'Bearer key-small-3' },
    });
    assert.equal(JSON.parse(limited.body).code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 1, 'the minute’s window, not a second');
  });
});

describe('request hygiene', () => {
  test('duplicate JSON keys are a 400 naming the key', async () => {
    const response = await kit.app.inject({
      method: 'POST',
      url: '/api/v1/policies/echo',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1' },
      payload: '{"action":{"type":"refund","amount":10,"amount":100000}}',
    });
    assert.equal(response.statusCode, 400);
    const problem = JSON.parse(response.body) as { code: string; errors: { pointer: string }[] };
    assert.equal(problem.code, 'BODY_MALFORMED');
    assert.equal(problem.errors[0]!.pointer, '/body/action/amount');
  });

  test('every answer says nosniff and no-store, errors included', async () => {
    for (const url of ['/health/live', '/nowhere', '/api/v1/policies/private']) {
      const response = await kit.app.inject({
        method: 'GET',
        url,
        headers: { 'x-forwarded-for': '198.51.100.2' },
      });
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(response.headers['cache-control'], 'no-store', url);
    }
  });

  test('a badly encoded URL is a problem+json 400, not Fastify’s own body', async () => {
    const response = await kit.app.inject({
      method: 'GET',
      url: '/api/v1/policies/%E0%A4%A',
      headers: { 'x-forwarded-for': '198.51.100.3' },
    });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(response.body).code, 'URL_MALFORMED');
  });

  test('with ACGS_METRICS_TOKEN, /metrics needs it', async () => {
    const headers = { 'x-forwarded-for': '198.51.100.4' };
    assert.equal((await kit.app.inject({ method: 'GET', url: '/metrics', headers })).statusCode, 401);
    const wrong = { ...headers, authorization: 'Bearer metrics-token-0123456780' };
    assert.equal((await kit.app.inject({ method: 'GET', url: '/metrics', headers: wrong })).statusCode, 401);
    const right = { ...headers, authorization: 'Bearer metrics-token-0123456789' };
    assert.equal((await kit.app.inject({ method: 'GET', url: '/metrics', headers: right })).statusCode, 200);
  });
});

describe('open event streams per client', () => {
  /** Opens an event stream as `token`: its status, and a way to close it. */
  async function openStream(token: string): Promise<{ status: number; close: () => void }> {
    const port = await listening();
    return new Promise((resolve, reject) => {
      const request = get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/policies/stream',
          headers: { authorization: `Bearer ${token}` },
        },
        (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, close: () => request.destroy() });
        },
      );
      request.on('error', (error) => {
        if (!request.destroyed) reject(error);
      });
    });
  }

  test('a client holds at most ACGS_HTTP_STREAMS_PER_CLIENT streams open (429 beyond); others are not affected; a closed one frees its slot', async () => {
    // The probe: one agent key held 3,000 review streams open (80 MB, 3,000 file descriptors) and
    // could go on to the process's descriptor limit.
    const opened: { close: () => void }[] = [];
    const open = async (token: string) => {
      const stream = await openStream(token);
      opened.push(stream);
      return stream;
    };
    try {
      const first = await open('good-streamer');
      const second = await open('good-streamer');
      const third = await open('good-streamer');
      const other = await open('good-bystander');
      assert.deepEqual([first.status, second.status, third.status, other.status], [200, 200, 429, 200]);
      first.close();
      // The server learns of the close when its socket does; spaced out to stay under the burst limit.
      let again = { status: 0 };
      for (let i = 0; i < 5 && again.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        again = await open('good-streamer');
      }
      assert.equal(again.status, 200, 'the closed stream gave its slot back');
    } finally {
      for (const stream of opened) stream.close();
    }
  });
});

describe('timeouts', () => {
  /** The configured limits above (ACGS_HTTP_*_TIMEOUT_MS); Node checks them every 150 ms here. */
  const LIMIT_MS = 600;

  /** Sends `text` on a new connection and waits for the server to close it: what it answered, and when. */
  async function cutOff(text: string): Promise<{ answer: string; elapsedMs: number }> {
    const socket = connect({ host: '127.0.0.1', port: await listening() });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = performance.now();
    socket.write(text);
    // Generous: only to stop a hang; what is asserted is the elapsed time below.
    const guard = setTimeout(() => socket.destroy(new Error('not cut off')), 15_000);
    await closed;
    clearTimeout(guard);
    return { answer, elapsedMs: performance.now() - started };
  }

  /**
   * Not at once (the limit is what cut it off), and no later than `graceMs` past it plus a check
   * interval and slack for a busy machine.
   */
  function assertWithinLimit(what: string, elapsedMs: number, graceMs = 0) {
    process.stderr.write(`# http-protection: ${what} cut off after ${Math.round(elapsedMs)} ms\n`);
    assert.ok(elapsedMs >= LIMIT_MS - 100, `${what}: cut off after ${Math.round(elapsedMs)} ms`);
    assert.ok(elapsedMs < LIMIT_MS + graceMs + 1000, `${what}: cut off after ${Math.round(elapsedMs)} ms`);
  }

  test('a body that never finishes is cut off within the request timeout, with a problem+json 408', async () => {
    const { answer, elapsedMs } = await cutOff(
      'POST /api/v1/policies/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.match(answer, /application\/problem\+json/);
    assert.match(answer, /REQUEST_TIMEOUT/);
    assertWithinLimit('a never-finishing body', elapsedMs);
  });

  test('headers that never finish are cut off within the headers timeout', async () => {
    const { answer, elapsedMs } = await cutOff('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    assert.match(answer, /^HTTP\/1\.1 408/);
    assertWithinLimit('never-finishing headers', elapsedMs);
  });

  test('a kept-alive connection left idle is closed after the idle timeout', async () => {
    const { answer, elapsedMs } = await cutOff('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200/, 'the request itself was answered');
    assert.match(answer, /keep-alive/i);
    // Node closes an idle socket a second after the Keep-Alive timeout it announces, so that a
    // client never reuses a connection the server is closing.
    assertWithinLimit('an idle kept-alive connection', elapsedMs, 1000);
  });
});
