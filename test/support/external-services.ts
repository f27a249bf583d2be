/**
 * Finding PostgreSQL, Redis and NATS for tests. Each is looked for at its local default address
 * (overridable with the same variables the platform reads). When one does not answer, a test that
 * needs it fails if CI is set, and otherwise is skipped with a notice naming the missing service.
 */
import { connect } from 'node:net';

export type ExternalServiceName = 'postgres' | 'redis' | 'nats';

export interface ExternalService {
  readonly name: ExternalServiceName;
  readonly url: string;
  /** False when reachable; otherwise the reason to pass as node:test's `skip` option. */
  readonly skip: string | false;
}

const DEFAULT_URLS: Record<ExternalServiceName, [variable: string, url: string]> = {
  postgres: ['DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test'],
  redis: ['REDIS_URL', 'redis://127.0.0.1:6379'],
  nats: ['NATS_URL', 'nats://127.0.0.1:4222'],
};

export function externalServiceUrl(name: ExternalServiceName): string {
  const [variable, fallback] = DEFAULT_URLS[name];
  const fromEnv = process.env[variable];
  return fromEnv && fromEnv.length > 0 ? fromEnv : fallback;
}

function canConnect(url: string, timeoutMs = 1500): Promise<boolean> {
  const parsed = new URL(url);
  const port = Number(parsed.port || defaultPort(parsed.protocol));
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function defaultPort(protocol: string): number {
  if (protocol.startsWith('postgres')) return 5432;
  if (protocol.startsWith('redis')) return 6379;
  return 4222;
}

/** Checks a service; throws when it is unreachable and CI is set. Use with top-level await. */
export async function externalService(name: ExternalServiceName): Promise<ExternalService> {
  const url = externalServiceUrl(name);
  if (await canConnect(url)) return { name, url, skip: false };
  const reason = `${name} is not reachable at ${url} (set ${DEFAULT_URLS[name][0]} to point elsewhere)`;
  if (process.env.CI) throw new Error(`CI is set and ${reason}`);
  process.stderr.write(`notice: skipping tests that need ${reason}\n`);
  return { name, url, skip: reason };
}

/** PostgreSQL, Redis and NATS together, for tests of the distributed mode; `skip` names any missing. */
export async function distributedServices(): Promise<{
  readonly postgres: ExternalService;
  readonly redis: ExternalService;
  readonly nats: ExternalService;
  readonly skip: string | false;
}> {
  const [postgres, redis, nats] = await Promise.all([
    externalService('postgres'),
    externalService('redis'),
    externalService('nats'),
  ]);
  return { postgres, redis, nats, skip: postgres.skip || redis.skip || nats.skip };
}

/**
 * Removes what one test run left in Redis (keys under `<run>:`) and NATS (the stream named
 * `<RUN>`), for runs that use `run` as key prefix and stream name.
 */
export async function removeRunState(run: string, redisUrl: string, natsUrl: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  try {
    const found = await client.keys(`${run}:*`);
    if (found.length > 0) await client.del(...found);
  } finally {
    client.disconnect();
  }
  const { connect } = await import('nats');
  const connection = await connect({ servers: natsUrl });
  try {
    await (await connection.jetstreamManager()).streams.delete(run.toUpperCase()).catch(() => undefined);
  } finally {
    await connection.close();
  }
}
