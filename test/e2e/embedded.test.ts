/** Done-when 1 and 5 of the foundation: `acgs up` as an operator runs it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SERVICE_NAMES } from '../../src/kernel/services.js';
import { freePort, runAcgs, startAcgs } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const ENV = { ACGS_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', NATS_URL: '', LOG_LEVEL: 'info' };

// How long start-up and shutdown take is measured in bench/edge-timings.bench.ts, against a
// baseline of the same run: a busy machine made a 3 s bound here fail for no defect.
test('acgs up serves all eight services on one port, reports its start-up time, and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const platform = await startAcgs(['up'], { ...ENV, ACGS_PORT: String(port) });
  try {
    assert.match(platform.stderr(), /ready in \d+ ms from process start/);
    assert.match(platform.stderr(), /services: auth .*dgm/);
    assert.match(platform.stderr(), new RegExp(`data: +sqlite:${dataDir.replaceAll('/', '\\/')}`));

    const ready = await fetch(`${platform.url}/health/ready`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { services: string[]; checks: Record<string, { status: string }> };
    assert.deepEqual([...body.services].sort(), [...SERVICE_NAMES].sort());
    assert.deepEqual(Object.keys(body.checks).sort(), [
      'bundle',
      'local-bus',
      'log-integrity',
      'memory-cache',
      'sqlite',
    ]);
    assert.match(ready.headers.get('x-constitutional-hash') ?? '', /^[0-9a-f]{16}$/);

    const merged = (await (await fetch(`${platform.url}/openapi.json`)).json()) as { openapi: string };
    assert.equal(merged.openapi, '3.1.0');
    for (const service of SERVICE_NAMES) {
      assert.equal((await fetch(`${platform.url}/openapi/${service}.json`)).status, 200, service);
    }

    const malformed = await fetch(`${platform.url}/api/v1/constitution/active/hash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, 'BODY_MALFORMED');
    const unknown = await fetch(`${platform.url}/api/v1/nowhere`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.doesNotMatch(await unknown.text(), /\.js:\d+/);
  } finally {
    const exit = await platform.terminate();
    assert.equal(exit.code, 0, platform.stderr());
  }
});

test('the integrity intake consumed every service’s start-up event (in-process bus)', async () => {
  const port = await freePort();
  const platform = await startAcgs(['up'], { ...ENV, ACGS_PORT: String(port) });
  try {
    const deadline = Date.now() + 10_000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${platform.url}/metrics`)).text();
      if (SERVICE_NAMES.every((name) => metrics.includes(`source="${name}",type="service.started"`))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const name of SERVICE_NAMES) {
      assert.match(
        metrics,
        new RegExp(
          `acgs_bus_events_consumed_total\\{consumer="integrity-intake",source="${name}",type="service.started"\\} [1-9]`,
        ),
      );
    }
  } finally {
    await platform.terminate();
  }
});

test('invalid configuration exits 2 naming the variable and what it expects', () => {
  const result = runAcgs(['up'], { ...ENV, ACGS_PORT: 'eighty', LOG_LEVEL: 'chatty' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /ACGS_PORT: expected an integer from 1 to 65535, got "eighty"/);
  assert.match(result.stderr, /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('bad usage exits 2; --help and version exit 0', () => {
  assert.equal(runAcgs(['serve', 'nonsense'], ENV).code, 2);
  assert.equal(runAcgs(['frobnicate'], ENV).code, 2);
  const help = runAcgs(['--help'], ENV);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /up .*\n.*serve/s);
  const version = runAcgs(['version'], ENV);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^acgs \d+\.\d+\.\d+/);
});
