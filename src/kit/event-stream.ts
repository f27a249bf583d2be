/**
 * Server-sent events (`text/event-stream`, the WHATWG HTML "server-sent events" format) as a
 * route's reply. The route has passed the guard like any other (authenticated, authorised); the
 * reply goes through the kit's hooks (request id, constitutional hash, metrics at the end), then
 * stays open: frames as `send` is called, a comment line every `keepAliveMs` so proxies keep the
 * connection, and the close callbacks when the client goes or `end` is called.
 *
 * @example
 * const stream = openEventStream(request, reply);
 * stream.send('task', view, eventId);
 * stream.onClose(() => unsubscribe());
 * return reply;
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors } from '../kernel/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the kit: how many event streams each client holds open (ACGS_HTTP_STREAMS_PER_CLIENT). */
    readonly eventStreamSlots?: EventStreamSlots;
  }
}

/**
 * Open event streams and long polls per client (a credential's subject): a stream stays open until
 * its end or the client's, so without a cap one key could hold sockets and memory until the
 * process runs out of file descriptors. Per process (each replica counts its own).
 */
export class EventStreamSlots {
  readonly #open = new Map<string, number>();

  constructor(readonly perClient: number) {}

  /** Takes one of `client`'s slots and returns its release; 429 RATE_LIMITED when none is left. */
  take(client: string): () => void {
    const open = this.#open.get(client) ?? 0;
    if (open >= this.perClient) {
      throw commonErrors.create(
        'RATE_LIMITED',
        `this client already holds ${open} open event streams, the most it may; close one first`,
        { headers: { 'retry-after': '5' } },
      );
    }
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    };
  }
}

export interface EventStream {
  /** Writes one event: `id` (what a reconnecting client sends back as Last-Event-ID), `event`, JSON `data`. */
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream (the client's EventSource reconnects unless it is told it is done). */
  end(): void;
  /** Called once, when the stream ends for either side. */
  onClose(callback: () => void): void;
  readonly closed: boolean;
}

export interface EventStreamOptions {
  /** Comment line interval (default 15 s). */
  readonly keepAliveMs?: number;
  /** The reconnection delay suggested to the client (default 2 s). */
  readonly retryMs?: number;
}

/**
 * Takes one of the calling client's stream slots for a request that waits (an event stream, a long
 * poll) and returns its release; 429 RATE_LIMITED when the client holds them all.
 */
export function takeStreamSlot(request: FastifyRequest): () => void {
  return (
    request.server.eventStreamSlots?.take(request.principal?.subject ?? `ip:${request.ip}`) ?? (() => {})
  );
}

export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  options: EventStreamOptions = {},
): EventStream {
  // Before anything is sent: over the cap, the answer is a problem+json 429.
  const release = takeStreamSlot(request);
  const body = new PassThrough();
  const callbacks: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    release();
    clearInterval(keepAlive);
    body.end();
    for (const callback of callbacks.splice(0)) callback();
  };
  const keepAlive = setInterval(() => body.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
  keepAlive.unref();
  request.raw.once('close', close);
  body.write(`retry: ${options.retryMs ?? 2000}\n\n`);
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-store')
    // Tells NGINX-style proxies not to buffer the stream.
    .header('x-accel-buffering', 'no')
    // The socket goes with the stream: at shutdown the server closes only idle connections, and
    // one whose stream has just ended is not idle yet, so keep-alive would hold it open until the
    // idle timeout (72 s).
    .header('connection', 'close')
    .send(body);
  return {
    send(event, data, id) {
      if (closed) return;
      const lines = JSON.stringify(data);
      body.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${lines}\n\n`);
    },
    end: close,
    onClose(callback) {
      if (closed) callback();
      else callbacks.push(callback);
    },
    get closed() {
      return closed;
    },
  };
}
