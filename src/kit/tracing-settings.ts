/**
 * OpenTelemetry tracing settings (docs/observability.md, "Traces"), from the standard OTEL_*
 * variables; spans are exported over OTLP/HTTP by kit/tracing.ts:
 * - on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, as the production configuration does) or
 *   `OTEL_TRACES_EXPORTER=otlp` (the default endpoint `http://localhost:4318`); off otherwise, so an
 *   embedded platform or a process with no collector pays nothing;
 * - sampling `parentbased_traceidratio`: 1 % of new traces in distributed mode (production), every
 *   trace in embedded mode; a trace that arrives with a sampled `traceparent` is always followed;
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off.
 * W3C trace context travels in HTTP headers (`traceparent`, `tracestate`) and in bus events
 * (`traceparent`, the CloudEvents distributed-tracing extension).
 */
import { ConfigError, EnvReader, type RunMode } from '../kernel/config.js';

export interface TracingSettings {
  readonly enabled: boolean;
  readonly sampler: string;
  readonly ratio: number;
  readonly serviceName: string;
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the OTEL_* variables (ConfigError naming each bad one). */
export function loadTracingSettings(
  mode: RunMode,
  defaultServiceName: string,
  env: Env = process.env,
): TracingSettings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const disabled = read.choice('OTEL_SDK_DISABLED', 'false', ['true', 'false']) === 'true';
  const exporter = read.choice('OTEL_TRACES_EXPORTER', 'unset', ['otlp', 'none', 'unset']);
  const endpoint = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
  const sampler = read.choice('OTEL_TRACES_SAMPLER', 'parentbased_traceidratio', SAMPLERS);
  const ratioText = read.string(
    'OTEL_TRACES_SAMPLER_ARG',
    mode === 'embedded' ? '1' : '0.01',
    /^(0(\.\d+)?|1(\.0+)?)$/,
  );
  const serviceName = read.string('OTEL_SERVICE_NAME', defaultServiceName, /^[\w.-]{1,100}$/);
  if (problems.length > 0) throw new ConfigError(problems);
  const enabled = !disabled && exporter !== 'none' && (exporter === 'otlp' || endpoint);
  return { enabled, sampler, ratio: Number(ratioText), serviceName };
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is buffered and stops the provider. */
  shutdown(): Promise<void>;
}

/** Tracing that is off. */
export const NO_TRACING: Tracing = { enabled: false, shutdown: async () => {} };
