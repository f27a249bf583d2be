/**
 * Requests that reach a replica after shutdown began: Fastify's own answer is a bare JSON 503;
 * the platform answers every error as problem+json, so these get a `SHUTTING_DOWN` problem with
 * `Retry-After: 1` and `Connection: close` (the client retries on another replica, on a new
 * connection). Installed as Fastify's server factory, so the check costs one boolean per request
 * and no hook.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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

/**
 * How long after shutdown begins a connection that has not sent a byte is closed. Node's close
 * ends idle keep-alive connections, but not one that never sent a request (a client's spare
 * connection): it would hold the close until the client gives up on it (its keep-alive timeout,
 * about 72 s against ours). The grace lets a request already on its way be read and shed.
 */
const SILENT_CONNECTION_GRACE_MS = 250;

export function createShutdownShedding(): ShutdownShedding {
  let shedding = false;
  const connections = new Set<Socket>();
  return {
    start() {
      shedding = true;
      setTimeout(() => {
        for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
      }, SILENT_CONNECTION_GRACE_MS).unref();
    },
    serverFactory: (handler, options) => {
      const server: Server = createServer(
        options.http ?? {},
        (request: IncomingMessage, response: ServerResponse) => {
          if (shedding) shed(request, response);
          else handler(request, response);
        },
      );
      server.on('connection', (socket: Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      });
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
