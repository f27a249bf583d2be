import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiKeyResolver, ResolvedApiKey } from '../../../kernel/contracts/auth.js';
import { CachingApiKeyResolver } from './resolve-api-key.js';

const KEY = 'acgs_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyzABCD';

function resolved(revoked = false): ResolvedApiKey {
  return {
    keyId: 'k1',
    subject: 'agent-1',
    roles: ['agent'],
    scopes: [],
    expiresAtMs: null,
    revoked,
    rateLimitPerMinute: 0,
  };
}

/** An inner resolver whose look-ups the test answers one by one. */
function controlled() {
  const waiting: ((value: ResolvedApiKey | undefined) => void)[] = [];
  const inner: ApiKeyResolver = {
    resolve: () => new Promise((resolve) => waiting.push(resolve)),
  };
  return { inner, waiting };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A resolver on a clock the test moves, with KEY resolved once. */
async function primed() {
  const { inner, waiting } = controlled();
  const clock = { now: 1_000_000 };
  const cache = new CachingApiKeyResolver(inner, 30_000, 100, () => clock.now);
  const first = cache.resolve(KEY);
  await turn();
  waiting.shift()!(resolved());
  assert.equal((await first)?.revoked, false);
  return { cache, waiting, clock };
}

describe('CachingApiKeyResolver', () => {
  test('requests that meet an unknown key together share one look-up', async () => {
    const { inner, waiting } = controlled();
    const cache = new CachingApiKeyResolver(inner, 30_000);
    const answers = Promise.all([cache.resolve(KEY), cache.resolve(KEY), cache.resolve(KEY)]);
    await turn();
    assert.equal(waiting.length, 1);
    waiting[0]!(resolved());
    assert.deepEqual(
      (await answers).map((a) => a?.keyId),
      ['k1', 'k1', 'k1'],
    );
  });

  test('past half its time a resolution still answers at once, and one background look-up replaces it', async () => {
    const { cache, waiting, clock } = await primed();
    clock.now += 10_000; // within the first half: nobody asks
    assert.equal((await cache.resolve(KEY))?.revoked, false);
    await turn();
    assert.equal(waiting.length, 0);

    clock.now += 10_000; // past half: answered from memory while one look-up runs behind
    assert.equal((await cache.resolve(KEY))?.revoked, false);
    assert.equal((await cache.resolve(KEY))?.revoked, false);
    await turn();
    assert.equal(waiting.length, 1, 'one background look-up');
    waiting.shift()!(resolved(true)); // revoked meanwhile
    await turn();
    assert.equal((await cache.resolve(KEY))?.revoked, true, 'the new answer replaced the old');
    await turn();
    assert.equal(waiting.length, 0);
  });

  test('past its whole time a resolution is looked up again before the answer', async () => {
    const { cache, waiting, clock } = await primed();
    clock.now += 30_000;
    let answered = false;
    const again = cache.resolve(KEY).then((value) => {
      answered = true;
      return value;
    });
    await turn();
    assert.equal(answered, false, 'waits for the look-up');
    waiting.shift()!(undefined); // the key is gone
    assert.equal(await again, undefined);
  });

  test('a failed background look-up keeps the resolution until its time is up', async () => {
    let now = 1_000_000;
    let fail = false;
    let calls = 0;
    const inner: ApiKeyResolver = {
      resolve: async () => {
        calls++;
        if (fail) throw new Error('auth is away');
        return resolved();
      },
    };
    const cache = new CachingApiKeyResolver(inner, 30_000, 100, () => now);
    await cache.resolve(KEY);
    fail = true;
    now += 20_000;
    assert.equal((await cache.resolve(KEY))?.keyId, 'k1');
    await turn();
    assert.equal(calls, 2);
    assert.equal((await cache.resolve(KEY))?.keyId, 'k1');
    now += 10_000;
    await assert.rejects(cache.resolve(KEY), /auth is away/);
  });
});
