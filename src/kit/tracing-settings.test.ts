import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../kernel/config.js';
import { loadTracingSettings } from './tracing-settings.js';

test('tracing is off until an OTLP endpoint or exporter is configured; then 1 % in distributed mode', () => {
  assert.equal(loadTracingSettings('embedded', 'acgs', {}).enabled, false);
  assert.equal(loadTracingSettings('distributed', 'acgs-pgc', {}).enabled, false);
  const production = loadTracingSettings('distributed', 'acgs-pgc', {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
  });
  assert.deepEqual(production, {
    enabled: true,
    sampler: 'parentbased_traceidratio',
    ratio: 0.01,
    serviceName: 'acgs-pgc',
  });
});

test('OTEL_* variables turn it on, off and tune it', () => {
  const on = loadTracingSettings('embedded', 'acgs', {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
  });
  assert.equal(on.enabled, true);
  assert.equal(on.ratio, 1, 'a developer who turns tracing on locally sees every trace');
  assert.equal(loadTracingSettings('embedded', 'acgs', { OTEL_TRACES_EXPORTER: 'otlp' }).enabled, true);
  assert.equal(loadTracingSettings('distributed', 'x', { OTEL_SDK_DISABLED: 'true' }).enabled, false);
  assert.equal(loadTracingSettings('distributed', 'x', { OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
  const tuned = loadTracingSettings('distributed', 'x', {
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_SERVICE_NAME: 'pgc-eu',
  });
  assert.deepEqual([tuned.sampler, tuned.ratio, tuned.serviceName], ['traceidratio', 0.25, 'pgc-eu']);
});

test('bad OTEL_* values are named, all at once', () => {
  assert.throws(
    () =>
      loadTracingSettings('distributed', 'x', {
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.length === 2 &&
      /OTEL_TRACES_SAMPLER:/.test(error.problems[0]!) &&
      /OTEL_TRACES_SAMPLER_ARG:/.test(error.problems[1]!),
  );
});
