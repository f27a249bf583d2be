/**
 * W3C trace context over the bus: an event published inside a span carries its `traceparent`, and
 * the consumer's handler runs in a CONSUMER span of the same trace (real local bus, real SDK with an
 * in-memory exporter); outside a span nothing is added.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { LocalEventBus } from '../bus/local-event-bus.js';
import type { EventEnvelope } from '../kernel/events.js';
import { createDatabase } from '../storage/create-database.js';
import { activeTraceFields, platformTracer } from './trace-context.js';
import { TracingEventBus } from './tracing-event-bus.js';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const event = (type: string): EventEnvelope => ({
  id: randomUUID(),
  type,
  source: 'ac',
  time: new Date().toISOString(),
  data: {},
});

test('a traced publish reaches its consumer in a CONSUMER span of the same trace', async () => {
  const bus = new TracingEventBus(await LocalEventBus.open(createDatabase('sqlite::memory:')));
  const seen: { event: EventEnvelope; traceId: string | undefined }[] = [];
  let delivered: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    delivered = resolve;
  });
  try {
    await bus.subscribe({
      durable: 'trace-test',
      subjects: ['acgs.>'],
      handler: async (message) => {
        seen.push({ event: message.event, traceId: activeTraceFields().traceId });
        await message.ack();
        if (seen.length === 2) delivered();
      },
    });
    await bus.publish(event('constitution.version.published')); // outside any span
    const traceId = await platformTracer().startActiveSpan('enact', async (span) => {
      await bus.publish(event('council.proposal.enacted'));
      span.end();
      return span.spanContext().traceId;
    });
    await done;
    const [untraced, traced] = seen as [(typeof seen)[0], (typeof seen)[0]];
    assert.equal(untraced.event.traceparent, undefined);
    assert.equal(untraced.traceId, undefined);
    assert.match(traced.event.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.equal(traced.traceId, traceId, 'the handler runs inside the publisher’s trace');
    // The consumer span ends once the handler has returned, just after it signalled.
    const consumerSpan = () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    for (let i = 0; i < 100 && consumerSpan() === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    const consumer = consumerSpan();
    assert.equal(consumer?.name, 'council.proposal.enacted process');
    assert.equal(consumer?.spanContext().traceId, traceId);
  } finally {
    await bus.close();
  }
});
