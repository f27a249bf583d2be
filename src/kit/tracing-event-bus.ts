/**
 * An EventBus that carries W3C trace context: `publish` stamps the active span's `traceparent` on
 * the event; each delivery runs its handler in a CONSUMER span whose parent is that context, so a
 * governance flow (an enactment, an activation, the log's intake) is one trace across services.
 * Wraps any bus; the wiring uses it only when tracing is on.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { EventBus, SubscribeOptions, Subscription } from '../bus/event-bus.js';
import type { EventEnvelope } from '../kernel/events.js';
import { platformTracer } from './trace-context.js';

export class TracingEventBus implements EventBus {
  constructor(private readonly inner: EventBus) {}

  publish(event: EventEnvelope): Promise<void> {
    if (event.traceparent !== undefined || trace.getActiveSpan() === undefined)
      return this.inner.publish(event);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return this.inner.publish(carrier.traceparent ? { ...event, traceparent: carrier.traceparent } : event);
  }

  subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription> {
    const tracer = platformTracer();
    return this.inner.subscribe<Data>({
      ...options,
      handler: (message) => {
        const traceparent = message.event.traceparent;
        if (traceparent === undefined) return options.handler(message);
        const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
        const span = tracer.startSpan(
          `${message.event.type} process`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              'messaging.destination.name': message.subject,
              'messaging.consumer.group.name': options.durable,
              'messaging.message.id': message.event.id,
            },
          },
          parent,
        );
        return context.with(trace.setSpan(parent, span), async () => {
          try {
            await options.handler(message);
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            span.end();
          }
        });
      },
    });
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
