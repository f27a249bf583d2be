/**
 * Requests that reach a replica after shutdown began: Fastify's own answer is a bare JSON 503;
 * the platform answers every error as problem+json, so these get a `SHUTTING_DOWN` problem with
 * `Retry-After: 1` and `Connection: close` (the client retries on another replica, on a new
 * connection). Installed as Fastify's server factory, so the check costs one boolean per request
 * and no hook.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import { commonErrors } from '../kernel/errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details.js';

const SAFE_REQUEST_ID = /^[\w.:@-]{1,128}$/;

export interface ShutdownShedding {
  /** Fastify's `serverFactory`: a plain HTTP/1.1 server with Fastify's timeouts. */
  readonly serverFactory: NonNullable<FastifyServerOptions['serverFactory']>;
  /** From now on every request is answered 503 `SHUTTING_DOWN`. */
  start(): void;
}

export function createShutdownShedding(): ShutdownShedding {
  let shedding = false;
  return {
    start() {
      shedding = true;
    },
    serverFactory: (handler, options) => {
      const server: Server = createServer(
        options.http ?? {},
        (request: IncomingMessage, response: ServerResponse) => {
          if (shedding) shed(request, response);
          else handler(request, response);
        },
      );
      // What Fastify itself does with a server it creates.
      if (typeof options.keepAliveTimeout === 'number') server.keepAliveTimeout = options.keepAliveTimeout;
      if (typeof options.requestTimeout === 'number') server.requestTimeout = options.requestTimeout;
      if (typeof options.connectionTimeout === 'number') server.setTimeout(options.connectionTimeout);
      return server;
    },
  };
}

function shed(request: IncomingMessage, response: ServerResponse): void {
  const given = request.headers['x-request-id'];
  const requestId = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  const problem = toProblem(
    commonErrors.create('SHUTTING_DOWN', 'this replica is shutting down; retry on another'),
    request.url ?? '/',
    requestId,
  );
  const body = JSON.stringify(problem.body);
  response.shouldKeepAlive = false;
  response.writeHead(503, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'retry-after': '1',
    'x-request-id': requestId,
    connection: 'close',
  });
  response.end(body);
  // The request body, if any, is not read: the connection closes after the answer.
  request.resume();
}
