/**
 * Real credentials for route tests that run a service without the Auth service: an Ed25519 key
 * of the test's own, access tokens signed with it exactly as the Auth service signs them, and
 * the platform's own TokenAuthenticator verifying them. Nothing about the guard is faked.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.js';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type JsonWebKeySet,
  type PublicJwk,
} from '../../src/kernel/contracts/auth.js';
import type { Role } from '../../src/kernel/roles.js';
import { TokenAuthenticator } from '../../src/kit/token-authenticator.js';

export interface TestTokenIssuer {
  readonly authenticator: TokenAuthenticator;
  /** A signed access token for `subject` with `roles`, valid for 15 minutes. */
  token(subject: string, roles: readonly Role[], kind?: 'user' | 'service'): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for the same. */
  headers(
    subject: string,
    roles: readonly Role[],
    kind?: 'user' | 'service',
  ): Promise<{ authorization: string }>;
}

export async function createTestTokenIssuer(): Promise<TestTokenIssuer> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const kid = `test-${randomUUID()}`;
  const jwk = (await exportJWK(publicKey)) as { x: string };
  const keySet: JsonWebKeySet = {
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' } satisfies PublicJwk],
  };
  const authenticator = new TokenAuthenticator({
    keys: { keySet: async () => keySet },
    apiKeys: { resolve: async () => undefined },
    cache: new MemoryCacheStore(),
  });
  const token = (subject: string, roles: readonly Role[], kind: 'user' | 'service' = 'user') =>
    new SignJWT({ roles: [...roles], scope: '', kind, name: subject })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(privateKey);
  return {
    authenticator,
    token,
    headers: async (subject, roles, kind) => ({
      authorization: `Bearer ${await token(subject, roles, kind)}`,
    }),
  };
}
