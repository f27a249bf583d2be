/**
 * The trace context as the rest of the kit sees it, through the OpenTelemetry API only (no SDK):
 * without a registered provider (tracing off) every call here is a cheap no-op.
 */
import { type Tracer, trace } from '@opentelemetry/api';

/** The tracer spans are made with; a no-op until kit/tracing.ts registered a provider. */
export function platformTracer(): Tracer {
  return trace.getTracer('acgs');
}

/** `{traceId, spanId}` of the active span, for log lines (empty when none is sampled). */
export function activeTraceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return traceFlags & 1 ? { traceId, spanId } : {};
}
