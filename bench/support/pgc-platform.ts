/**
 * A running `acgs up` made ready for decision benchmarks: an admin session, an agent API key that
 * speaks for the scenarios' principals, the example constitution's bundle active, and the
 * constitution's scenarios as autocannon requests. Shared by bench/pgc-decisions and
 * bench/pgc-stages.
 */
import { fileURLToPath } from 'node:url';
import { loadPolicies } from '../../src/policy/index.js';

export const BENCH_ADMIN_PASSWORD = 'bench-admin-password-0123';
const POLICY_DIR = fileURLToPath(new URL('../../../examples/constitution/policies', import.meta.url));

export async function json(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

export interface DecisionWorkload {
  /** The agent's API key. */
  readonly apiKey: string;
  /** content-type and x-api-key. */
  readonly headers: Record<string, string>;
  readonly scenarios: readonly unknown[];
  /** One autocannon request per scenario, to `path` (default /api/v1/decisions). */
  requests(path?: string): { method: 'POST'; path: string; headers: Record<string, string>; body: string }[];
}

/** Logs in as admin, creates the bench agent's key and activates the example bundle. */
export async function prepareDecisionWorkload(url: string): Promise<DecisionWorkload> {
  const login = await json(
    `${url}/api/v1/auth/login`,
    'POST',
    {},
    { username: 'admin', password: BENCH_ADMIN_PASSWORD },
  );
  const admin = { authorization: `Bearer ${String(login.accessToken)}` };
  const key = await json(`${url}/api/v1/auth/api-keys`, 'POST', admin, {
    account: 'bench-agent',
    roles: ['agent'],
    rateLimitPerMinute: 1_000_000,
    // The scenarios name several principals: the load generator speaks for them.
    delegate: true,
  });
  const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
  const bundle = await json(`${url}/api/v1/policies/bundles`, 'POST', admin, { policies });
  await json(`${url}/api/v1/policies/bundles/${String(bundle.id)}/activate`, 'POST', admin);
  const active = (await json(`${url}/api/v1/constitution/active`, 'GET', admin)) as {
    document?: { scenarioSuites: { scenarios: { request: unknown }[] }[] };
  };
  const scenarios = active.document!.scenarioSuites.flatMap((s) => s.scenarios.map((x) => x.request));
  const headers = { 'content-type': 'application/json', 'x-api-key': String(key.key) };
  return {
    apiKey: String(key.key),
    headers,
    scenarios,
    requests: (path = '/api/v1/decisions') =>
      scenarios.map((request) => ({ method: 'POST' as const, path, headers, body: JSON.stringify(request) })),
  };
}

/** The environment of an embedded platform for a benchmark (no external services). */
export function embeddedBenchEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    ACGS_DATA_DIR: dataDir,
    ACGS_PORT: String(port),
    ACGS_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    LOG_LEVEL: 'warn',
  };
}
