import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors, type PlatformError } from '../kernel/errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details.js';

/**
 * Errors Fastify and Node answer before a route runs, as RFC 9457 problem+json like every other
 * error: a badly encoded URL (`frameworkErrors`), and what the HTTP parser refuses or the
 * server's timeouts cut off (`clientErrorHandler`: malformed request, headers too large, a
 * request — a never-finishing body, say — that did not arrive within ACGS_HTTP_REQUEST_TIMEOUT_MS).
 */
export function frameworkErrorHandler(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const code = (error as { code?: string }).code;
  const platformError =
    code === 'FST_ERR_BAD_URL'
      ? commonErrors.create('URL_MALFORMED', 'the URL is not validly percent-encoded', {
          errors: [{ pointer: '/url', detail: 'must be validly percent-encoded UTF-8' }],
        })
      : commonErrors.create('VALIDATION_FAILED', error.message);
  const problem = toProblem(platformError, safeUrl(request.raw.url), String(request.id));
  void reply
    .code(problem.body.status)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.body));
}

/** Node's `clientError`: answers with problem+json when the socket can still take it, then closes it. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let platformError: PlatformError;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    platformError = commonErrors.create('REQUEST_TIMEOUT', 'the request did not arrive in time');
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    platformError = commonErrors.create('HEADERS_TOO_LARGE', 'the request headers are too large');
  } else {
    platformError = commonErrors.create('REQUEST_MALFORMED', 'the request is not valid HTTP/1.1');
  }
  const body = JSON.stringify(toProblem(platformError, '', 'none').body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${platformError.status} ${platformError.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

// The problem's `instance`: the raw URL as sent, which may not decode; keep it printable.
function safeUrl(url: string | undefined): string {
  return (url ?? '').replace(/[^\x21-\x7e]/g, '?').slice(0, 2048);
}
