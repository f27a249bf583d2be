/**
 * A running embedded platform for the integration tests (ext-authz, client library, MCP gateway):
 * `acgs up` on a free port with the example constitution and policies, an admin session, and
 * API keys made to measure (bound principal, delegate permission).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from './auth-session.js';
import { freePort, type PlatformProcess, startAcgs } from './platform-process.js';

export interface IntegrationPlatform {
  readonly platform: PlatformProcess;
  readonly url: string;
  readonly adminToken: string;
  readonly dir: string;
  /** An API key of a service account with role `agent`, bound to `principal` or a delegate. */
  apiKey(
    account: string,
    options?: {
      principal?: { id?: string; type?: string; roles?: string[] };
      delegate?: boolean;
      roles?: string[];
    },
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function startIntegrationPlatform(env: NodeJS.ProcessEnv = {}): Promise<IntegrationPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-integration-'));
  const port = await freePort();
  const platform = await startAcgs(['up', '--port', String(port), '--data-dir', join(dir, 'data')], {
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ACGS_LOG_LEVEL: 'warn',
    ...env,
  });
  const { accessToken } = await loginAsAdmin(platform.url);
  return {
    platform,
    url: platform.url,
    adminToken: accessToken,
    dir,
    async apiKey(account, options = {}) {
      const created = await api(platform.url, 'POST', '/api/v1/auth/api-keys', {
        headers: bearer(accessToken),
        body: {
          account,
          roles: options.roles ?? ['agent'],
          rateLimitPerMinute: 1_000_000,
          ...(options.principal === undefined ? {} : { principal: options.principal }),
          ...(options.delegate === undefined ? {} : { delegate: options.delegate }),
        },
      });
      if (created.status !== 201 && created.status !== 200)
        throw new Error(`api key for ${account}: ${created.status} ${JSON.stringify(created.body)}`);
      return created.body.key as string;
    },
    async stop() {
      await platform.terminate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
