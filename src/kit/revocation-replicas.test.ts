/**
 * Two guards sharing Redis stand for two replicas (issue 18, done-when 4): a key each has verified
 * and remembered is refused on the very next request on both once its revocation mark is written
 * — pushed to them, not looked up: once the push is live, no request asks the cache store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { externalService } from '../../test/support/external-services.js';
import { uniqueRunName } from '../../test/support/postgres-database.js';
import type { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import { RedisCacheStore } from '../cache/redis-cache-store.js';
import { type ApiKeyResolver, AUTH_CACHE_KEYS, type ResolvedApiKey } from '../kernel/contracts/auth.js';
import { TokenAuthenticator } from './token-authenticator.js';

const redis = await externalService('redis');
const KEY = `acgs_${'r'.repeat(12)}_${'s'.repeat(43)}`;
const resolved: ResolvedApiKey = {
  keyId: 'k-replicas',
  subject: 'svc-replicas',
  roles: ['agent'],
  scopes: [],
  expiresAtMs: null,
  revoked: false,
  rateLimitPerMinute: 1_000_000,
};
const resolver: ApiKeyResolver = { resolve: async (presented) => (presented === KEY ? resolved : undefined) };
const noKeys = { keySet: async () => ({ keys: [] }) };
const request = (headers: Record<string, string>) => ({ headers }) as never;

/** Counts the cache store's revocation lookups (`has`) a guard makes. */
function counting(cache: CacheStore): { cache: CacheStore; lookups: () => number } {
  let lookups = 0;
  const counted = Object.create(cache) as CacheStore;
  counted.has = (key) => {
    lookups++;
    return cache.has(key);
  };
  counted.watch = (prefix, listener) => cache.watch(prefix, listener);
  return { cache: counted, lookups: () => lookups };
}

async function replicasRefuseAtOnce(open: () => CacheStore, share: boolean) {
  const first = open();
  const second = share ? first : open();
  const writer = share ? first : open();
  const stores = [...new Set([first, second, writer])];
  try {
    const replicas = [counting(first), counting(second)].map(({ cache, lookups }) => ({
      guard: new TokenAuthenticator({ keys: noKeys, apiKeys: resolver, cache }),
      lookups,
    }));
    await writer.delete(AUTH_CACHE_KEYS.revokedApiKey(resolved.keyId));
    // First use: the push may still be starting (then the guard looks the mark up).
    for (const { guard } of replicas)
      assert.equal((await guard.authenticate(request({ 'x-api-key': KEY })))?.subject, 'svc-replicas');
    await new Promise((r) => setTimeout(r, 300));
    const before = replicas.map((r) => r.lookups());
    for (let i = 0; i < 20; i++)
      for (const { guard } of replicas) await guard.authenticate(request({ 'x-api-key': KEY }));
    assert.deepEqual(
      replicas.map((r) => r.lookups()),
      before,
      'no revocation lookup per request while the push is live',
    );
    // Revoked (as the Auth service does: the mark in the shared cache), then the next request on
    // each replica, with no pause in between.
    await writer.set(AUTH_CACHE_KEYS.revokedApiKey(resolved.keyId), 'revoked', 60_000);
    for (const { guard } of replicas)
      await assert.rejects(guard.authenticate(request({ 'x-api-key': KEY })), {
        code: 'AUTH_API_KEY_REVOKED',
      });
  } finally {
    await writer.delete(AUTH_CACHE_KEYS.revokedApiKey(resolved.keyId)).catch(() => undefined);
    for (const store of stores) await store.close();
  }
}

test('in-process cache: a revoked API key is refused on the next request, without a lookup per request', () =>
  replicasRefuseAtOnce(() => new MemoryCacheStore(), true));

test('two guards on one Redis: a revoked API key is refused on the next request on both', {
  skip: redis.skip,
}, () => {
  const prefix = `${uniqueRunName('acgs_revocation')}:`;
  return replicasRefuseAtOnce(() => new RedisCacheStore({ url: redis.url, keyPrefix: prefix }), false);
});
