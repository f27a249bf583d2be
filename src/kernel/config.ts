/**
 * Platform configuration from 12-factor environment variables, validated once at start-up.
 * `loadConfig` collects every problem at once; the CLI prints them and exits with code 2.
 */
import { isServiceName, SERVICE_NAMES, SERVICES, type ServiceName } from './services.js';

export type RunMode = 'embedded' | 'distributed';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface PlatformConfig {
  /** embedded: `acgs up`, all services in one process; distributed: `acgs serve <service>`. */
  readonly mode: RunMode;
  readonly services: readonly ServiceName[];
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL URL, or a `sqlite:` URL / path. Absent: a SQLite file in the data directory. */
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly natsUrl: string | undefined;
  readonly natsStream: string;
  readonly subjectRoot: string;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  /**
   * How long a process without the Auth service keeps accepting an API key it verified while the
   * Auth service is unreachable (`ACGS_AUTH_OUTAGE_GRACE_MS`; 0: not at all).
   */
  readonly authOutageGraceMs: number;
  /**
   * Where each service answers, for HTTP clients in distributed mode: one URL or several replicas
   * (`ACGS_<SERVICE>_URL`, comma-separated), which clients fail over between.
   */
  readonly serviceUrls: Readonly<Record<ServiceName, readonly string[]>>;
  /** The services whose `ACGS_<SERVICE>_URL` is set (the others have the default URL). */
  readonly configuredServiceUrls: ReadonlySet<ServiceName>;
  /**
   * The constitution to bootstrap-publish when none is published yet: a file path, `none`, or
   * undefined for the default (the example constitution in embedded mode, nothing in distributed).
   */
  readonly constitutionFile: string | undefined;
  /**
   * ACGS_POLICY_DIR: a policy directory bundled and activated on start when no bundle is active, or
   * `none`. Absent: the example constitution's policies in embedded mode when the example
   * constitution is the one bootstrapped, nothing otherwise.
   */
  readonly policyDir: string | undefined;
  /** Limits and protections of every HTTP server (docs/security.md). */
  readonly http: HttpProtection;
}

/** What every server does against slow, hostile or simply too many clients (docs/security.md). */
export interface HttpProtection {
  /** ACGS_HTTP_HEADERS_TIMEOUT_MS: a request's headers must arrive within this. */
  readonly headersTimeoutMs: number;
  /** ACGS_HTTP_REQUEST_TIMEOUT_MS: the whole request, body included, must arrive within this. */
  readonly requestTimeoutMs: number;
  /** ACGS_HTTP_IDLE_TIMEOUT_MS: a kept-alive connection without a request is closed after this. */
  readonly idleTimeoutMs: number;
  /** ACGS_TRUSTED_PROXIES: addresses/CIDRs whose X-Forwarded-For names the client. */
  readonly trustedProxies: readonly string[];
  /** ACGS_METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** ACGS_RATE_LIMIT_PER_MINUTE: requests per client per minute (0: no limit). */
  readonly rateLimitPerMinute: number;
  /** ACGS_RATE_LIMIT_BURST: requests per client in any one second. */
  readonly rateLimitBurst: number;
  /** ACGS_HTTP_STREAMS_PER_CLIENT: event streams and long polls a client may hold open at once. */
  readonly streamsPerClient: number;
}

/** One documented variable: the README's configuration table is generated from this list. */
export interface VariableSpec {
  readonly name: string;
  readonly expects: string;
  readonly defaultValue: string;
}

export const CONFIG_VARIABLES: readonly VariableSpec[] = [
  { name: 'ACGS_DATA_DIR', expects: 'a directory path', defaultValue: './.acgs' },
  { name: 'ACGS_HOST', expects: 'an interface address', defaultValue: '127.0.0.1 (up), 0.0.0.0 (serve)' },
  { name: 'ACGS_PORT', expects: 'an integer from 1 to 65535', defaultValue: '8080 (up), 8000–8007 (serve)' },
  {
    name: 'ACGS_SERVICES',
    expects: `a comma-separated list of ${SERVICE_NAMES.join(', ')}`,
    defaultValue: 'all eight (up only)',
  },
  {
    name: 'DATABASE_URL',
    expects: 'a postgres:// URL or a sqlite: URL / file path',
    defaultValue: 'SQLite file in the data directory',
  },
  { name: 'REDIS_URL', expects: 'a redis:// or rediss:// URL', defaultValue: 'in-process cache' },
  { name: 'ACGS_REDIS_PREFIX', expects: 'a key prefix', defaultValue: 'acgs:' },
  {
    name: 'NATS_URL',
    expects: 'a nats:// URL (comma-separated for a cluster)',
    defaultValue: 'in-process bus',
  },
  {
    name: 'ACGS_NATS_STREAM',
    expects: 'a JetStream stream name (A–Z, a–z, 0–9, _ and -)',
    defaultValue: 'ACGS',
  },
  { name: 'ACGS_SUBJECT_ROOT', expects: 'a subject token (letters, digits, _ and -)', defaultValue: 'acgs' },
  { name: 'LOG_LEVEL', expects: LOG_LEVELS.join(' | '), defaultValue: 'info' },
  {
    name: 'ACGS_BODY_LIMIT',
    expects: 'a request body limit in bytes (1 KiB to 64 MiB)',
    defaultValue: '1048576',
  },
  {
    name: 'ACGS_SHUTDOWN_TIMEOUT_MS',
    expects: 'milliseconds to finish in-flight requests on SIGTERM (100 to 60000)',
    defaultValue: '10000',
  },
  {
    name: 'ACGS_HTTP_HEADERS_TIMEOUT_MS',
    expects: "milliseconds for a request's headers to arrive",
    defaultValue: '10000',
  },
  {
    name: 'ACGS_HTTP_REQUEST_TIMEOUT_MS',
    expects: 'milliseconds for a whole request, body included, to arrive',
    defaultValue: '30000',
  },
  {
    name: 'ACGS_HTTP_IDLE_TIMEOUT_MS',
    expects: 'milliseconds a kept-alive connection may idle',
    defaultValue: '72000',
  },
  {
    name: 'ACGS_TRUSTED_PROXIES',
    expects: 'addresses or CIDRs whose X-Forwarded-For is believed (comma-separated)',
    defaultValue: 'none',
  },
  {
    name: 'ACGS_METRICS_TOKEN',
    expects: 'a bearer token of 16+ characters that /metrics then requires',
    defaultValue: 'none (/metrics is open)',
  },
  {
    name: 'ACGS_RATE_LIMIT_PER_MINUTE',
    expects: 'requests per client (credential, or IP when anonymous) per minute; 0 turns it off',
    defaultValue: '6000',
  },
  { name: 'ACGS_RATE_LIMIT_BURST', expects: 'requests per client in any one second', defaultValue: '1000' },
  {
    name: 'ACGS_HTTP_STREAMS_PER_CLIENT',
    expects: 'event streams (server-sent events) and long polls a client may hold open at once, per process',
    defaultValue: '100',
  },
  {
    name: 'ACGS_CONSTITUTION_FILE',
    expects: 'a constitution YAML/JSON file published on first start when none is published, or none',
    defaultValue: 'examples/constitution/constitution.yaml (up), none (serve)',
  },
  {
    name: 'ACGS_POLICY_DIR',
    expects: 'a policy directory bundled and activated on start when no bundle is active, or none',
    defaultValue: 'examples/constitution/policies (up, with the example constitution), none otherwise',
  },
  {
    name: 'ACGS_<SERVICE>_URL',
    expects: 'the base URL of a service, e.g. ACGS_AUTH_URL',
    defaultValue: 'http://127.0.0.1:<its default port>',
  },
];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface ConfigRequest {
  readonly mode: RunMode;
  /** For `serve`: the one service to run. */
  readonly service?: ServiceName;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(request: ConfigRequest, env: Env = process.env): PlatformConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const services = request.service
    ? [request.service]
    : read.serviceList('ACGS_SERVICES', [...SERVICE_NAMES]);
  const defaultPort = request.service ? SERVICES[request.service].defaultPort : 8080;
  const serviceUrls = Object.fromEntries(
    SERVICE_NAMES.map((name) => [
      name,
      read.urlList(`ACGS_${name.toUpperCase()}_URL`, ['http:', 'https:']) ?? [
        `http://127.0.0.1:${SERVICES[name].defaultPort}`,
      ],
    ]),
  ) as Record<ServiceName, readonly string[]>;

  const config: PlatformConfig = {
    mode: request.mode,
    services,
    host: read.string('ACGS_HOST', request.mode === 'embedded' ? '127.0.0.1' : '0.0.0.0', /^[\w.:[\]-]+$/),
    port: read.integer('ACGS_PORT', defaultPort, 1, 65535),
    dataDir: read.string('ACGS_DATA_DIR', './.acgs', /^.+$/),
    databaseUrl: read.databaseUrl('DATABASE_URL'),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: read.string('ACGS_REDIS_PREFIX', 'acgs:', /^[\w:.-]{1,64}$/),
    natsUrl: read.natsUrls('NATS_URL'),
    natsStream: read.string('ACGS_NATS_STREAM', 'ACGS', /^[A-Za-z0-9_-]{1,64}$/),
    subjectRoot: read.string('ACGS_SUBJECT_ROOT', 'acgs', /^[A-Za-z0-9_-]{1,64}$/),
    logLevel: read.choice('LOG_LEVEL', 'info', LOG_LEVELS),
    bodyLimitBytes: read.integer('ACGS_BODY_LIMIT', 1_048_576, 1024, 64 * 1024 * 1024),
    shutdownTimeoutMs: read.integer('ACGS_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 60_000),
    authOutageGraceMs: read.integer('ACGS_AUTH_OUTAGE_GRACE_MS', 300_000, 0, 86_400_000),
    serviceUrls,
    configuredServiceUrls: new Set(
      SERVICE_NAMES.filter((name) => (env[`ACGS_${name.toUpperCase()}_URL`] ?? '') !== ''),
    ),
    constitutionFile: read.string('ACGS_CONSTITUTION_FILE', '', /^.+$/) || undefined,
    policyDir: read.string('ACGS_POLICY_DIR', '', /^.+$/) || undefined,
    http: {
      headersTimeoutMs: read.integer('ACGS_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      requestTimeoutMs: read.integer('ACGS_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
      idleTimeoutMs: read.integer('ACGS_HTTP_IDLE_TIMEOUT_MS', 72_000, 100, 600_000),
      trustedProxies: read
        .string('ACGS_TRUSTED_PROXIES', '', /^[\w.:/,\s[\]-]+$/)
        .split(/[\s,]+/)
        .filter((p) => p.length > 0),
      metricsToken: read.string('ACGS_METRICS_TOKEN', '', /^\S{16,}$/) || undefined,
      rateLimitPerMinute: read.integer('ACGS_RATE_LIMIT_PER_MINUTE', 6_000, 0, 100_000_000),
      rateLimitBurst: read.integer('ACGS_RATE_LIMIT_BURST', 1_000, 1, 100_000_000),
      streamsPerClient: read.integer('ACGS_HTTP_STREAMS_PER_CLIENT', 100, 1, 1_000_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Reads typed values from environment variables, collecting a problem line per bad variable
 * (`NAME: expected …, got "…"`) instead of throwing, so one start-up reports them all. Services
 * with settings of their own use it and throw `new ConfigError(problems)` when any were found.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail(name: string, expects: string, got: string): void {
    this.problems.push(`${name}: expected ${expects}, got ${JSON.stringify(got)}`);
  }

  string(name: string, fallback: string, pattern: RegExp): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!pattern.test(value)) this.fail(name, `a value matching ${pattern}`, value);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.fail(name, `an integer from ${min} to ${max}`, value);
      return fallback;
    }
    return parsed;
  }

  choice<T extends string>(name: string, fallback: T, choices: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(choices as readonly string[]).includes(value)) {
      this.fail(name, `one of ${choices.join(', ')}`, value);
      return fallback;
    }
    return value as T;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!isUrlWithProtocol(value, protocols)) {
      this.fail(name, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`, value);
      return undefined;
    }
    return value;
  }

  /** One URL or several, comma-separated. */
  urlList(name: string, protocols: readonly string[]): readonly string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const parts = value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    if (parts.length === 0 || !parts.every((part) => isUrlWithProtocol(part, protocols))) {
      this.fail(
        name,
        `one or more comma-separated URLs starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        value,
      );
      return undefined;
    }
    return parts;
  }

  natsUrls(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const parts = value.split(',').map((part) => part.trim());
    if (!parts.every((part) => isUrlWithProtocol(part, ['nats:', 'tls:']))) {
      this.fail(name, 'one or more comma-separated nats:// URLs', value);
      return undefined;
    }
    return value;
  }

  databaseUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (value.startsWith('sqlite:') || !value.includes('://')) return value;
    if (!isUrlWithProtocol(value, ['postgres:', 'postgresql:'])) {
      this.fail(name, 'a postgres:// URL, or a sqlite: URL or file path', value);
      return undefined;
    }
    return value;
  }

  serviceList(name: string, fallback: ServiceName[]): ServiceName[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const names = value.split(',').map((part) => part.trim());
    const unknown = names.filter((n) => !isServiceName(n));
    if (unknown.length > 0 || names.length === 0) {
      this.fail(name, `a comma-separated list of ${SERVICE_NAMES.join(', ')}`, value);
      return fallback;
    }
    return [...new Set(names as ServiceName[])];
  }
}

function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}
