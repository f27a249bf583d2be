/**
 * The breaker gauge as a scrape sees it, on the models the service configures from the
 * environment (a fake server on loopback, an injected clock): 1 once five failures open the
 * breaker, 0 again when its open period is over, with no request in between.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { startFakeModelServer } from '../../../test/support/fake-model-server.js';
import { configuredChatModels } from './service.js';
import { createSynthesisMetrics } from './synthesis-metrics.js';

it('the breaker gauge falls back to 0 when the open period ends, without a request', async () => {
  const fake = await startFakeModelServer();
  fake.fallback = { status: 400 }; // a final failure: counted by the breaker, not retried
  const env = {
    ACGS_SYNTHESIS_OPENAI_BASE_URL: fake.baseUrl('openai'),
    ACGS_SYNTHESIS_OPENAI_MODEL: 'scripted-1',
  };
  Object.assign(process.env, env);
  try {
    const registry = new Registry();
    let now = 1_000_000;
    const [model] = configuredChatModels(createSynthesisMetrics(registry), { now: () => now });
    const gauge = async () =>
      (await registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('acgs_synthesis_breaker_open{'));
    for (let i = 0; i < 5; i++)
      await assert.rejects(model!.complete([{ role: 'user', content: 'hi' }], new AbortController().signal));
    assert.deepEqual(await gauge(), ['acgs_synthesis_breaker_open{provider="openai"} 1']);
    now += 30_000;
    assert.deepEqual(await gauge(), ['acgs_synthesis_breaker_open{provider="openai"} 0']);
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    await fake.close();
  }
});
