/**
 * What a process needs from services in other processes before it can do its job, checked at
 * start-up (exit 2 on a key that can never work) and by `/health/ready` (503 naming the one that
 * is away): the service API key it presents, the Auth service that resolves its callers' keys,
 * and, for the Policy Governance Compiler, the integrity log its decisions go to.
 */
import type { Logger } from 'pino';
import { ConfigError, type PlatformConfig } from '../kernel/config.js';
import { API_KEY_PATTERN, type ApiKeyResolver, type ResolvedApiKey } from '../kernel/contracts/auth.js';
import type { IntegrityContract } from '../kernel/contracts/integrity.js';
import { PlatformError } from '../kernel/errors.js';
import type { ServiceName } from '../kernel/services.js';
import type { ReadinessCheck } from '../kit/service-module.js';
import { HttpApiKeyResolver } from '../services/auth/client.js';

const KEY_VARIABLE = 'ACGS_SERVICE_API_KEY';

export interface RemoteDependencies {
  readonly config: PlatformConfig;
  /** The services this process runs. */
  readonly services: readonly ServiceName[];
  /** The log contract when the integrity service runs in another process, else undefined. */
  readonly remoteIntegrity: IntegrityContract | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Whether the guard resolves API keys through the Auth service in another process. */
function authIsRemote(deps: RemoteDependencies): boolean {
  return deps.config.mode === 'distributed' && !deps.services.includes('auth');
}

/** A process whose own calls need the key: the PGC appends its decisions to a remote log. */
function keyRequired(deps: RemoteDependencies): boolean {
  return deps.remoteIntegrity !== undefined && deps.services.includes('pgc');
}

function serviceKey(deps: RemoteDependencies): string | undefined {
  const key = (deps.env ?? process.env)[KEY_VARIABLE]?.trim();
  return key ? key : undefined;
}

const CREATE_HINT = (deps: RemoteDependencies) =>
  `create one with \`acgs apikey create --account svc-${deps.services[0] ?? 'pgc'} --role service\``;

/** Why a resolution makes the key unusable for good (not a passing outage), or undefined. */
function unusable(resolved: ResolvedApiKey | undefined, now = Date.now()): string | undefined {
  if (resolved === undefined) return 'is not known to the auth service';
  if (resolved.revoked) return `belongs to ${resolved.subject} and is revoked`;
  if (resolved.expiresAtMs !== null && resolved.expiresAtMs <= now)
    return `belongs to ${resolved.subject} and has expired`;
  if (!resolved.roles.includes('service'))
    return `belongs to ${resolved.subject}, whose roles (${resolved.roles.join(', ') || 'none'}) do not include service`;
  return undefined;
}

/** The auth service refused the key itself (it may not call the resolve route). */
function refusedByAuth(error: unknown): boolean {
  const refusal = error instanceof PlatformError ? error.cause : undefined;
  return refusal instanceof PlatformError && (refusal.status === 401 || refusal.status === 403);
}

/**
 * Start-up check: a process that needs the service key stops (ConfigError, exit 2) when it is
 * missing or malformed, or when the Auth service says it is unknown, revoked, expired or not a
 * service key. An unreachable Auth service only logs a warning: readiness reports it until it
 * answers.
 */
export async function verifyServiceKey(deps: RemoteDependencies, logger: Logger): Promise<void> {
  const key = serviceKey(deps);
  if (key === undefined) {
    if (keyRequired(deps))
      throw new ConfigError([
        `${KEY_VARIABLE} is not set: the ${deps.services.join(', ')} service calls the integrity log with it; ${CREATE_HINT(deps)}`,
      ]);
    return;
  }
  if (!API_KEY_PATTERN.test(key))
    throw new ConfigError([
      `${KEY_VARIABLE} is not an API key (acgs_<prefix>_<secret>); ${CREATE_HINT(deps)}`,
    ]);
  if (!authIsRemote(deps)) return;
  let resolved: ResolvedApiKey | undefined;
  try {
    resolved = await new HttpApiKeyResolver(deps.config.serviceUrls.auth, 2000, () => ({
      'x-api-key': key,
    })).resolve(key);
  } catch (error) {
    if (refusedByAuth(error))
      throw new ConfigError([
        `${KEY_VARIABLE} is refused by the auth service (not a service key); ${CREATE_HINT(deps)}`,
      ]);
    logger.warn(
      { err: error },
      `auth service not reachable: ${KEY_VARIABLE} not verified yet (readiness reports auth until it is)`,
    );
    return;
  }
  const reason = unusable(resolved);
  if (reason !== undefined) throw new ConfigError([`${KEY_VARIABLE} ${reason}; ${CREATE_HINT(deps)}`]);
}

/**
 * Readiness checks for the services this process reaches over HTTP: `auth` (the Auth service
 * resolves this process's own key, and it is still a usable service key) and `integrity` (the
 * PGC's log answers with its latest checkpoint). Each is bounded by the kit's 2 s.
 */
export function remoteReadinessChecks(deps: RemoteDependencies): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  const key = serviceKey(deps);
  if (authIsRemote(deps) && key !== undefined) {
    const resolver: ApiKeyResolver = new HttpApiKeyResolver(deps.config.serviceUrls.auth, 1500, () => ({
      'x-api-key': key,
    }));
    checks.push({
      name: 'auth',
      async check() {
        const reason = unusable(await resolver.resolve(key));
        if (reason !== undefined) throw new Error(`${KEY_VARIABLE} ${reason}`);
      },
    });
  }
  const integrity = deps.remoteIntegrity;
  if (integrity !== undefined && deps.services.includes('pgc')) {
    checks.push({
      name: 'integrity',
      async check() {
        await integrity.latestCheckpoint();
      },
    });
  }
  return checks;
}
