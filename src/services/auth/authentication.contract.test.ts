/**
 * The authentication contract (JWKS and API-key resolution), one suite over both implementations:
 * the Auth service in-process, and the HTTP clients the guards of other processes use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AuthFixture, openAuthFixture } from '../../../test/support/auth-fixture.js';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import type { AuthenticationContract } from '../../kernel/contracts/index.js';
import { HttpApiKeyResolver, HttpVerificationKeySource } from './client.js';
import { createApiKey } from './usecases/create-api-key.js';

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (f: AuthFixture, url: string, serviceKey: string) => AuthenticationContract,
])[] = [
  ['in-process', (f) => ({ keys: f.auth.keys, apiKeys: f.auth.apiKeys })],
  [
    'http',
    (_f, url, serviceKey) => ({
      keys: new HttpVerificationKeySource(url),
      // A generous timeout: the contract's answers are under test here, not its latency under load.
      apiKeys: new HttpApiKeyResolver(url, 15_000, () => ({ 'x-api-key': serviceKey })),
    }),
  ],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`AuthenticationContract (${name})`, () => {
    let f: AuthFixture;
    let served: ServedModule;
    let contract: AuthenticationContract;
    let agentKey: string;
    before(async () => {
      f = await openAuthFixture(name);
      served = await serveModule(f.auth, f.authenticator);
      const service = await createApiKey(f.auth.deps, {
        account: 'svc-pgc',
        roles: ['service'],
        actor: 'test',
      });
      agentKey = (await createApiKey(f.auth.deps, { account: 'agent-1', roles: ['agent'], actor: 'test' }))
        .key;
      contract = implementation(f, served.url, service.key);
    });
    after(async () => {
      await served.close();
      await f.close();
    });

    it('publishes the Ed25519 verification keys', async () => {
      const set = await contract.keys.keySet(false);
      assert.ok(set.keys.length >= 1);
      for (const key of set.keys) {
        assert.equal(key.kty, 'OKP');
        assert.equal(key.crv, 'Ed25519');
        assert.equal(key.alg, 'EdDSA');
      }
      assert.deepEqual(await contract.keys.keySet(true), set);
    });

    it('resolves a genuine API key to its account and roles, and a forged one to nothing', async () => {
      const resolved = await contract.apiKeys.resolve(agentKey);
      assert.equal(resolved?.subject, (await f.auth.deps.store.userByName('agent-1'))?.id);
      assert.deepEqual(resolved?.roles, ['agent']);
      assert.equal(resolved?.revoked, false);
      assert.equal(await contract.apiKeys.resolve(`${agentKey.slice(0, -4)}AAAA`), undefined);
    });
  });
}
