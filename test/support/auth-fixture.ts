/**
 * Test support: the Auth service on a throw-away SQLite database, started (signing key, first
 * admin), with a guard over its own in-process keys — as the auth process runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuthenticator } from '../../src/apps/authenticator.js';
import type { TokenAuthenticator } from '../../src/kit/token-authenticator.js';
import { loadAuthSettings } from '../../src/services/auth/auth-settings.js';
import { type AuthService, createAuthService } from '../../src/services/auth/service.js';
import { authMigrations } from '../../src/services/auth/store.js';
import { createDatabase } from '../../src/storage/index.js';
import { TEST_ADMIN_PASSWORD } from './auth-session.js';
import { openTestServiceContext } from './service-context.js';

export interface AuthFixture {
  readonly auth: AuthService;
  readonly authenticator: TokenAuthenticator;
  close(): Promise<void>;
}

export async function openAuthFixture(name: string): Promise<AuthFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-auth-'));
  const database = createDatabase(`sqlite:${join(dir, 'auth.db')}`);
  const context = await openTestServiceContext(database, dir, { auth: authMigrations }, name);
  const auth = createAuthService(context, {
    settings: loadAuthSettings({
      ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ACGS_AUTH_KEY_ACTIVATION_MS: '0',
    }),
    reveal: () => {},
  });
  await auth.start?.();
  return {
    auth,
    authenticator: buildAuthenticator({ keys: auth.keys, apiKeys: auth.apiKeys }, context.cache),
    async close() {
      await auth.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
