/**
 * Server spans for Fastify routes: one SERVER span per request, child of the caller's W3C
 * `traceparent` when it sent one, active while the request's hooks and handler run, so outgoing
 * calls (service-client.ts) and bus events (tracing-event-bus.ts) continue the trace.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyRequest, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import { platformTracer } from './trace-context.js';

const spans = new WeakMap<FastifyRequest, Span>();

/** The trace id of a request's span, when it is sampled (for its access log line). */
export function requestTraceId(request: FastifyRequest): string | undefined {
  const span = spans.get(request);
  if (span === undefined) return undefined;
  const { traceId, traceFlags } = span.spanContext();
  return traceFlags & 1 ? traceId : undefined;
}

/** The onRequest/onResponse pair tracing one route; `service` names its owner. */
export function routeTraceHooks(
  routeUrl: string,
  service: () => string,
): { start: onRequestHookHandler; end: onResponseHookHandler } {
  const tracer = platformTracer();
  return {
    start(request, _reply, done) {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const span = tracer.startSpan(
        `${request.method} ${routeUrl}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'http.route': routeUrl,
            'acgs.service': service(),
            'acgs.request_id': String(request.id),
          },
        },
        parent,
      );
      spans.set(request, span);
      context.with(trace.setSpan(parent, span), done);
    },
    end(request, reply, done) {
      const span = spans.get(request);
      if (span !== undefined) {
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      done();
    },
  };
}
