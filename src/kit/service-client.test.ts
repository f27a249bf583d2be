/**
 * The one HTTP client of every contract, against a loopback server that answers what each case
 * needs (the answers real services give, and the broken ones they must never give but might).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { PlatformError } from '../kernel/errors.js';
import { ServiceClient } from './service-client.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

describe('ServiceClient', () => {
  let server: Server;
  let url: string;
  let handler: Handler = () => {};
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
        handler(request, body, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
    handler = (_request, _body, response) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body);
    };
  };
  const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'about:blank',
      title: `title of ${code}`,
      status,
      detail: `detail of ${code}`,
      code,
      ...extra,
    });
  const client = (options: Partial<ConstructorParameters<typeof ServiceClient>[0]> = {}) =>
    new ServiceClient({
      service: 'demo',
      baseUrls: url,
      credentials: () => ({ 'x-api-key': 'k' }),
      ...options,
    });

  it('sends JSON with the credential and query, and returns the parsed answer', async () => {
    seen.length = 0;
    answer(200, '{"ok":true}');
    assert.deepEqual(
      await client().request({
        path: '/api/v1/demo',
        query: { a: 1, b: undefined, c: 'x y' },
        body: { n: 2 },
      }),
      { ok: true },
    );
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/api/v1/demo?a=1&c=x+y');
    assert.equal(seen[0]!.headers['x-api-key'], 'k');
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0]!.body), { n: 2 });
    await client().request({ path: '/public', authenticated: false });
    assert.equal(seen[1]!.method, 'GET');
    assert.equal(seen[1]!.headers['x-api-key'], undefined);
  });

  it("rethrows a 4xx problem as the service's own PlatformError: code, status, title, detail, field errors", async () => {
    answer(422, problem(422, 'DEMO_INVALID', { errors: [{ pointer: '/body/x', detail: 'bad' }] }));
    await assert.rejects(client().request({ path: '/x' }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.code, 'DEMO_INVALID');
      assert.equal(error.status, 422);
      assert.equal(error.title, 'title of DEMO_INVALID');
      assert.equal(error.message, 'detail of DEMO_INVALID');
      assert.deepEqual(error.errors, [{ pointer: '/body/x', detail: 'bad' }]);
      return true;
    });
  });

  it('retries a 503 whose Retry-After fits the budget, once by default', async () => {
    seen.length = 0;
    let calls = 0;
    handler = (_request, _body, response) => {
      calls++;
      if (calls === 1) {
        response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
        response.end(problem(503, 'DEMO_PUSHBACK'));
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"second":true}');
      }
    };
    assert.deepEqual(await client().request({ path: '/x', body: {} }), { second: true });
    assert.equal(calls, 2);
  });

  it('passes a 503 refusal on with its code and Retry-After when retrying does not help or would wait too long', async () => {
    let calls = 0;
    handler = (_request, _body, response) => {
      calls++;
      response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      response.end(problem(503, 'DEMO_PUSHBACK'));
    };
    await assert.rejects(client().request({ path: '/x' }), (error: PlatformError) => {
      assert.equal(error.code, 'DEMO_PUSHBACK');
      assert.equal(error.status, 503);
      assert.deepEqual(error.headers, { 'retry-after': '0' });
      return true;
    });
    assert.equal(calls, 2, 'one retry');
    calls = 0;
    answer(503, problem(503, 'DEMO_PUSHBACK'), { 'retry-after': '30' });
    await assert.rejects(client().request({ path: '/x' }), { code: 'DEMO_PUSHBACK', status: 503 });
    calls = 0;
    handler = (_request, _body, response) => {
      calls++;
      response.writeHead(503, { 'retry-after': '0' });
      response.end(problem(503, 'DEMO_PUSHBACK'));
    };
    await assert.rejects(client({ retriesOn503: 0 }).request({ path: '/x' }), { code: 'DEMO_PUSHBACK' });
    assert.equal(calls, 1, 'no retry when retries are off');
  });

  it('turns a 500, a non-problem error answer and a success that is not JSON into DEPENDENCY_UNAVAILABLE', async () => {
    const unavailable = (pattern: RegExp) => (error: PlatformError) => {
      assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
      assert.equal(error.status, 503);
      assert.equal(error.headers?.['retry-after'], '1');
      assert.match(error.message, pattern);
      return true;
    };
    answer(500, problem(500, 'INTERNAL_ERROR', { errorId: 'e1' }));
    await assert.rejects(
      client().request({ path: '/x' }),
      unavailable(/demo service at .* answered 500 to GET \/x/),
    );
    answer(404, '<html>not here</html>', { 'content-type': 'text/html' });
    await assert.rejects(client().request({ path: '/y' }), unavailable(/answered 404/));
    answer(200, '{"truncated":');
    await assert.rejects(client().request({ path: '/z' }), unavailable(/malformed JSON for GET \/z/));
  });

  it('returns undefined for an empty success', async () => {
    answer(204, '');
    assert.equal(await client().request({ path: '/x', method: 'DELETE' }), undefined);
  });

  it('reports no answer within the budget, or no server at all, as DEPENDENCY_UNAVAILABLE', async () => {
    handler = () => {}; // never answers
    await assert.rejects(client({ timeoutMs: 200 }).request({ path: '/slow' }), (error: PlatformError) => {
      assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
      assert.match(error.message, /did not answer GET \/slow/);
      return true;
    });
    await assert.rejects(
      new ServiceClient({ service: 'demo', baseUrls: ['http://127.0.0.1:9'] }).request({ path: '/x' }),
      { code: 'DEPENDENCY_UNAVAILABLE', status: 503 },
    );
  });

  it('refuses to be built without a base URL', () => {
    assert.throws(() => new ServiceClient({ service: 'demo', baseUrls: [] }), /no base URL/);
  });
});

describe('ServiceClient over several replicas', () => {
  /** A replica answering `status` with `body`, counting what it received. */
  async function replica(status: number, body: string) {
    const state = { hits: 0 };
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        state.hits++;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return {
      state,
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
  /** A port nothing listens on (connection refused). */
  async function deadUrl() {
    const gone = await replica(200, '{}');
    await gone.close();
    return gone.url;
  }

  it('moves on from a replica that refuses connections and remembers the one that answered', async () => {
    const dead = await deadUrl();
    const live = await replica(200, '{"ok":true}');
    try {
      const client = new ServiceClient({
        service: 'demo',
        baseUrls: [dead, live.url],
        credentials: () => ({}),
      });
      assert.deepEqual(await client.request({ path: '/x' }), { ok: true });
      assert.deepEqual(await client.request({ path: '/x' }), { ok: true });
      assert.equal(live.state.hits, 2);
    } finally {
      await live.close();
    }
  });

  it('settles on the replica whose answers do not say another would serve better', async () => {
    const handsOver = await replica(200, '{"by":"replica"}');
    const sequences = await replica(200, '{"by":"sequencer"}');
    try {
      const client = new ServiceClient({
        service: 'demo',
        baseUrls: [handsOver.url, sequences.url],
        credentials: () => ({}),
        // The first replica says so (the log's replicas use a header).
        betterElsewhere: (response) => new URL(response.url).port === new URL(handsOver.url).port,
      });
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await client.request({ path: '/x', body: {} }));
      assert.deepEqual(
        answers.map((a) => (a as { by: string }).by),
        ['replica', 'sequencer', 'sequencer', 'sequencer'],
      );
      assert.deepEqual([handsOver.state.hits, sequences.state.hits], [1, 3]);
    } finally {
      await Promise.all([handsOver.close(), sequences.close()]);
    }
  });

  it('moves on from a replica that is shutting down (503 SHUTTING_DOWN)', async () => {
    const leaving = await replica(503, JSON.stringify({ status: 503, code: 'SHUTTING_DOWN', title: 't' }));
    const live = await replica(200, '{"ok":1}');
    try {
      const client = new ServiceClient({
        service: 'demo',
        baseUrls: [leaving.url, live.url],
        credentials: () => ({}),
        retriesOn503: 0,
      });
      assert.deepEqual(await client.request({ path: '/x', body: {} }), { ok: 1 });
      assert.equal(leaving.state.hits, 1);
      assert.equal(live.state.hits, 1);
    } finally {
      await Promise.all([leaving.close(), live.close()]);
    }
  });

  it('does not resend a request a replica received: another 503 is passed on, not retried elsewhere', async () => {
    const busy = await replica(503, JSON.stringify({ status: 503, code: 'LOG_PUSHBACK', title: 't' }));
    const other = await replica(200, '{}');
    try {
      const client = new ServiceClient({
        service: 'demo',
        baseUrls: [busy.url, other.url],
        credentials: () => ({}),
        retriesOn503: 0,
      });
      await assert.rejects(client.request({ path: '/x', body: {} }), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.code, 'LOG_PUSHBACK');
        return true;
      });
      assert.equal(other.state.hits, 0);
    } finally {
      await Promise.all([busy.close(), other.close()]);
    }
  });

  it('an idempotent request (an append with a key) moves on from a replica that refuses it with 503', async () => {
    const refusing = await replica(
      503,
      JSON.stringify({ status: 503, code: 'STORAGE_UNAVAILABLE', title: 't', detail: 'pool busy' }),
    );
    const other = await replica(201, '{"index":7}');
    try {
      const client = new ServiceClient({
        service: 'demo',
        baseUrls: [refusing.url, other.url],
        credentials: () => ({}),
        retriesOn503: 0,
      });
      assert.deepEqual(await client.request({ path: '/x', body: {}, idempotent: true }), { index: 7 });
      assert.deepEqual([refusing.state.hits, other.state.hits], [1, 1]);
      // The replica that took it is asked first from now on.
      await client.request({ path: '/x', body: {}, idempotent: true });
      assert.deepEqual([refusing.state.hits, other.state.hits], [1, 2]);
    } finally {
      await Promise.all([refusing.close(), other.close()]);
    }
  });

  it('with every replica unreachable: DEPENDENCY_UNAVAILABLE with Retry-After', async () => {
    const client = new ServiceClient({
      service: 'demo',
      baseUrls: [await deadUrl(), await deadUrl()],
      credentials: () => ({}),
    });
    await assert.rejects(client.request({ path: '/x' }), (error: unknown) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
      assert.equal(error.headers?.['retry-after'], '1');
      return true;
    });
  });
});
