/**
 * Resilience of a provider, with the real clients (`openai`, `@anthropic-ai/sdk`) against a
 * scripted fake server on loopback, an injected clock and an injected sleep that records the
 * backoff: retries follow the backoff or Retry-After, a 400 is not retried, a timeout is retried,
 * and the breaker opens after five failures within 30 s and lets a trial through 30 s later.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../../../../test/support/fake-model-server.js';
import { AnthropicChatModel } from './anthropic-chat-model.js';
import type { ChatModel } from './chat-model.js';
import { OpenAiChatModel } from './openai-chat-model.js';
import { BreakerOpenError, CircuitBreaker, ResilientChatModel } from './resilient-chat-model.js';

const ANSWER = '{"policies":[]}';

for (const dialect of ['openai', 'anthropic'] as const) {
  describe(`resilient ${dialect} model`, () => {
    let fake: FakeModelServer;
    before(async () => {
      fake = await startFakeModelServer();
      fake.fallback = { content: ANSWER };
    });
    after(() => fake.close());

    const setUp = (timeoutMs = 10_000, apiKey = 'k') => {
      let now = 1_000_000;
      const clock = { now: () => now, advance: (ms: number) => (now += ms) };
      const slept: number[] = [];
      const breakerStates: boolean[] = [];
      const requests: string[] = [];
      const tokens: number[] = [];
      const settings = { baseUrl: fake.baseUrl(dialect), model: 'scripted-1', apiKey, timeoutMs };
      const inner: ChatModel =
        dialect === 'openai'
          ? new OpenAiChatModel(settings)
          : new AnthropicChatModel({ ...settings, maxTokens: 1024 });
      const model = new ResilientChatModel(inner, new CircuitBreaker(clock), {
        attempts: 3,
        baseDelayMs: 2000,
        sleep: async (ms) => {
          slept.push(ms);
        },
        onRequest: (p) => requests.push(p),
        onBreaker: (_p, open) => breakerStates.push(open),
        onUsage: (_p, usage) => tokens.push(usage.inputTokens, usage.outputTokens),
      });
      const ask = async () =>
        (await model.complete([{ role: 'user', content: 'hi' }], new AbortController().signal)).text;
      return { clock, slept, breakerStates, requests, tokens, ask };
    };
    const hits = () => fake.seen.length;

    it('retries a 429 after its Retry-After and a 500 with the 2 s doubling backoff; counts tokens', async () => {
      const { slept, requests, tokens, ask } = setUp();
      fake.script = [{ status: 429, headers: { 'retry-after': '7' } }, { status: 500 }];
      fake.seen.length = 0;
      assert.equal(await ask(), ANSWER);
      assert.deepEqual(slept, [7000, 4000]);
      assert.equal(hits(), 3);
      assert.deepEqual(requests, [dialect, dialect, dialect]);
      assert.deepEqual(tokens, [1003, ANSWER.length], 'the answer reports its tokens');
    });

    it('does not wait for a Retry-After longer than a minute, in seconds or as an HTTP date', async () => {
      const { slept, ask } = setUp();
      const tomorrow = new Date(Date.now() + 86_400_000).toUTCString();
      for (const retryAfter of ['86400', tomorrow]) {
        fake.script = [{ status: 429, headers: { 'retry-after': retryAfter } }];
        fake.seen.length = 0;
        await assert.rejects(ask(), (e: Error & { status?: number }) => {
          assert.equal(e.status, 429);
          assert.match(e.message, /Retry-After \d+ s is longer than the 60 s a job waits/);
          return true;
        });
        assert.equal(hits(), 1);
      }
      assert.deepEqual(slept, []);
      fake.script = [
        { status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } },
      ];
      assert.equal(await ask(), ANSWER);
      assert.ok(slept.length === 1 && slept[0]! > 25_000 && slept[0]! <= 30_000, String(slept));
    });

    it('gives up after three attempts and does not retry a 400', async () => {
      const { slept, ask } = setUp();
      fake.script = [{ status: 503 }, { status: 502 }, { status: 500 }];
      fake.seen.length = 0;
      await assert.rejects(ask(), (e: { status?: number }) => e.status === 500);
      assert.deepEqual(slept, [2000, 4000]);
      assert.equal(hits(), 3);
      fake.script = [{ status: 400 }];
      fake.seen.length = 0;
      await assert.rejects(ask(), (e: { status?: number }) => e.status === 400);
      assert.equal(hits(), 1);
    });

    it('a 401 is final, and the key a server echoes in its error is not in the error', async () => {
      const key = 'sk-probe-secret-0123456789';
      const { slept, ask } = setUp(10_000, key);
      fake.script = [{ status: 401, echoKey: true }];
      fake.seen.length = 0;
      await assert.rejects(ask(), (e: Error & { status?: number; error?: unknown }) => {
        assert.equal(e.status, 401);
        assert.match(e.message, /for key .*\[redacted\]/);
        assert.doesNotMatch(`${e.message} ${JSON.stringify(e.error)}`, new RegExp(key));
        return true;
      });
      assert.equal(hits(), 1);
      assert.deepEqual(slept, []);
    });

    it('a request that times out is retried', async () => {
      const { slept, ask } = setUp(300);
      fake.script = [{ content: ANSWER, delayMs: 2000 }];
      fake.seen.length = 0;
      assert.equal(await ask(), ANSWER);
      assert.equal(hits(), 2);
      assert.deepEqual(slept, [2000]);
    });

    it('an answer whose body stalls after the headers times out and is retried', {
      timeout: 20_000,
    }, async () => {
      const { slept, ask } = setUp(300);
      fake.script = [{ content: ANSWER, stallBody: true }];
      fake.seen.length = 0;
      assert.equal(await ask(), ANSWER);
      assert.equal(hits(), 2);
      assert.deepEqual(slept, [2000]);
    });

    it('opens the breaker after five failures within 30 s and closes it after a good trial 30 s later', async () => {
      const { clock, breakerStates, ask } = setUp();
      fake.script = Array.from({ length: 5 }, () => ({ status: 500 }));
      fake.seen.length = 0;
      await assert.rejects(ask()); // failures 1-3
      await assert.rejects(ask()); // failures 4-5: open; the third attempt is not sent
      assert.equal(hits(), 5);
      assert.equal(breakerStates.at(-1), true);
      await assert.rejects(ask(), BreakerOpenError);
      assert.equal(hits(), 5, 'an open breaker sends nothing');
      clock.advance(29_999);
      await assert.rejects(ask(), BreakerOpenError);
      clock.advance(1);
      assert.equal(await ask(), ANSWER); // the trial succeeds: closed
      assert.equal(breakerStates.at(-1), false);
      assert.equal(hits(), 6);
    });

    it('failures spread over more than 30 s do not open it', async () => {
      const { clock, breakerStates, ask } = setUp();
      fake.script = [{ status: 400 }, { status: 400 }, { status: 400 }, { status: 400 }];
      for (let i = 0; i < 4; i++) await assert.rejects(ask());
      clock.advance(30_001);
      fake.script = [{ status: 400 }];
      await assert.rejects(ask());
      assert.equal(breakerStates.at(-1), false);
    });
  });
}
