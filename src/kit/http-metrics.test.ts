import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpMetrics } from './http-metrics.js';

test('the histogram is cumulative, with +Inf, sum and count per series', async () => {
  const metrics = new HttpMetrics();
  for (const seconds of [0.0001, 0.002, 0.002, 0.3, 42])
    metrics.observe('pgc', '/a/:id', 'GET', 200, seconds);
  metrics.observe('pgc', '/a/:id', 'GET', 404, 0.001);
  const text = await metrics.text();
  const labels = 'service="pgc",route="/a/:id",method="GET",status_code="200"';
  assert.match(text, new RegExp(`http_requests_total\\{${labels}\\} 5\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_bucket\\{le="0.0005",${labels}\\} 1\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_bucket\\{le="0.0025",${labels}\\} 3\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_bucket\\{le="0.5",${labels}\\} 4\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_bucket\\{le="10",${labels}\\} 4\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_bucket\\{le="\\+Inf",${labels}\\} 5\\n`));
  assert.match(text, new RegExp(`http_request_duration_seconds_count\\{${labels}\\} 5\\n`));
  const sum = Number(new RegExp(`http_request_duration_seconds_sum\\{${labels}\\} (\\S+)`).exec(text)?.[1]);
  assert.ok(Math.abs(sum - 42.3041) < 1e-9);
  assert.match(text, /status_code="404"\} 1\n/);
});

test('label values are escaped', async () => {
  const metrics = new HttpMetrics();
  metrics.observe('pgc', '/odd"route\\x', 'GET', 200, 0.01);
  assert.match(await metrics.text(), /route="\/odd\\"route\\\\x"/);
});
