/**
 * Resilience of a provider, with the real `openai` client against a scripted fake server on
 * loopback, an injected clock and an injected sleep that records the backoff: retries follow
 * the backoff or Retry-After, a 400 is not retried, and the breaker opens after five failures
 * within 30 s and lets a trial through 30 s later.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OpenAiChatModel } from './openai-chat-model.js';
import { BreakerOpenError, CircuitBreaker, ResilientChatModel } from './resilient-chat-model.js';

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

describe('resilient chat model', () => {
  let server: Server;
  let baseUrl: string;
  let script: Answer[] = [];
  let hits = 0;
  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        hits++;
        const answer = script.shift() ?? { status: 200 };
        if (answer.status !== 200) {
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(JSON.stringify({ error: { message: `scripted ${answer.status}`, type: 'scripted' } }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model: 'scripted',
            choices: [
              { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '{"policies":[]}' } },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const setUp = () => {
    let now = 1_000_000;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const slept: number[] = [];
    const breakerStates: boolean[] = [];
    const requests: string[] = [];
    const breaker = new CircuitBreaker(clock);
    const model = new ResilientChatModel(
      new OpenAiChatModel({ baseUrl, model: 'scripted-1', apiKey: 'sk-test', timeoutMs: 10_000 }),
      breaker,
      {
        attempts: 3,
        baseDelayMs: 2000,
        sleep: async (ms) => {
          slept.push(ms);
        },
        onRequest: (p) => requests.push(p),
        onBreaker: (_p, open) => breakerStates.push(open),
      },
    );
    const ask = () => model.complete([{ role: 'user', content: 'hi' }], new AbortController().signal);
    return { clock, slept, breakerStates, requests, ask };
  };

  it('retries a 429 after its Retry-After and a 500 with the 2 s doubling backoff', async () => {
    const { slept, requests, ask } = setUp();
    script = [{ status: 429, headers: { 'retry-after': '7' } }, { status: 500 }];
    hits = 0;
    assert.equal(await ask(), '{"policies":[]}');
    assert.deepEqual(slept, [7000, 4000]);
    assert.equal(hits, 3);
    assert.equal(requests.length, 3);
  });

  it('gives up after three attempts and does not retry a 400', async () => {
    const { slept, ask } = setUp();
    script = [{ status: 503 }, { status: 502 }, { status: 500 }];
    hits = 0;
    await assert.rejects(ask(), (e: { status?: number }) => e.status === 500);
    assert.deepEqual(slept, [2000, 4000]);
    assert.equal(hits, 3);
    script = [{ status: 400 }];
    hits = 0;
    await assert.rejects(ask(), (e: { status?: number }) => e.status === 400);
    assert.equal(hits, 1);
  });

  it('opens the breaker after five failures within 30 s and closes it after a good trial 30 s later', async () => {
    const { clock, breakerStates, ask } = setUp();
    script = Array.from({ length: 5 }, () => ({ status: 500 }));
    hits = 0;
    await assert.rejects(ask()); // failures 1-3
    await assert.rejects(ask()); // failures 4-5: open; the third attempt is not sent
    assert.equal(hits, 5);
    assert.equal(breakerStates.at(-1), true);
    await assert.rejects(ask(), BreakerOpenError);
    assert.equal(hits, 5, 'an open breaker sends nothing');
    clock.advance(29_999);
    await assert.rejects(ask(), BreakerOpenError);
    clock.advance(1);
    assert.equal(await ask(), '{"policies":[]}'); // the trial succeeds: closed
    assert.equal(breakerStates.at(-1), false);
    assert.equal(hits, 6);
  });

  it('failures spread over more than 30 s do not open it', async () => {
    const { clock, breakerStates, ask } = setUp();
    script = [{ status: 400 }, { status: 400 }, { status: 400 }, { status: 400 }];
    for (let i = 0; i < 4; i++) await assert.rejects(ask());
    clock.advance(30_001);
    script = [{ status: 400 }];
    await assert.rejects(ask());
    assert.equal(breakerStates.at(-1), false);
  });
});
