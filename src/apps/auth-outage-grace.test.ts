import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiKeyResolver, ResolvedApiKey } from '../kernel/contracts/auth.js';
import { commonErrors } from '../kernel/errors.js';
import { OutageGraceApiKeyResolver } from './auth-outage-grace.js';

const KEY = `acgs_${'A'.repeat(12)}_${'s'.repeat(43)}`;
const record: ResolvedApiKey = {
  keyId: 'k1',
  subject: 'agent-1',
  roles: ['agent'],
  scopes: [],
  expiresAtMs: null,
  revoked: false,
  rateLimitPerMinute: 600,
};

/** The Auth service's answers, switched between up (the record or unknown) and away. */
function authService() {
  const state: { up: boolean; known: ResolvedApiKey | undefined } = { up: true, known: record };
  const resolver: ApiKeyResolver = {
    async resolve() {
      if (!state.up) throw commonErrors.create('DEPENDENCY_UNAVAILABLE', 'auth service did not answer');
      return state.known;
    },
  };
  return { state, resolver };
}

test('a key verified before an Auth outage keeps resolving during it, for the grace period only', async () => {
  let now = 1_000_000;
  const auth = authService();
  const resolver = new OutageGraceApiKeyResolver(auth.resolver, 60_000, 100, () => now);
  assert.deepEqual(await resolver.resolve(KEY), record);
  auth.state.up = false;
  now += 59_000;
  assert.deepEqual(await resolver.resolve(KEY), record);
  now += 2_000;
  await assert.rejects(resolver.resolve(KEY), (e) => commonErrors.is(e, 'DEPENDENCY_UNAVAILABLE'));
});

test('a key never verified, or answered unknown or revoked since, is not bridged', async () => {
  const auth = authService();
  const resolver = new OutageGraceApiKeyResolver(auth.resolver, 60_000);
  auth.state.up = false;
  await assert.rejects(resolver.resolve(KEY), (e) => commonErrors.is(e, 'DEPENDENCY_UNAVAILABLE'));
  auth.state.up = true;
  await resolver.resolve(KEY);
  auth.state.known = undefined; // deleted at the Auth service
  assert.equal(await resolver.resolve(KEY), undefined);
  auth.state.up = false;
  await assert.rejects(resolver.resolve(KEY), (e) => commonErrors.is(e, 'DEPENDENCY_UNAVAILABLE'));
  auth.state.up = true;
  auth.state.known = { ...record, revoked: true };
  await resolver.resolve(KEY);
  auth.state.up = false;
  assert.equal((await resolver.resolve(KEY))?.revoked, true, 'the last answer, revoked, is what is bridged');
});

test('grace 0 bridges nothing', async () => {
  const auth = authService();
  const resolver = new OutageGraceApiKeyResolver(auth.resolver, 0, 100, () => 5);
  await resolver.resolve(KEY);
  auth.state.up = false;
  await assert.rejects(resolver.resolve(KEY), (e) => commonErrors.is(e, 'DEPENDENCY_UNAVAILABLE'));
});
