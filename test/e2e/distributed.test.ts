/**
 * Done-when 2 and 4 of the foundation: the eight services as eight processes (`acgs serve`) on
 * this machine's PostgreSQL, Redis and NATS, with a database, stream, subject root and key prefix
 * of their own; and readiness naming a dependency that points at a closed port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from 'nats';
import { SERVICE_NAMES, type ServiceName } from '../../src/kernel/services.js';
import { newKeyEncryptionKey } from '../../src/kit/secret-envelope.js';
import { distributedServices } from '../support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs, waitFor } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const { postgres, redis, nats, skip } = await distributedServices();

describe('distributed mode: eight processes on PostgreSQL, Redis and NATS', { skip }, () => {
  let database: TemporaryDatabase;
  const processes = new Map<ServiceName, PlatformProcess>();
  const stream = uniqueRunName('E2E').toUpperCase();
  const subjectRoot = uniqueRunName('e2e');
  const env: Record<string, string> = {};

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'e2e');
    Object.assign(env, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      ACGS_NATS_STREAM: stream,
      ACGS_SUBJECT_ROOT: subjectRoot,
      ACGS_REDIS_PREFIX: `${subjectRoot}:`,
      ACGS_KEK: newKeyEncryptionKey(),
      ACGS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    for (const name of SERVICE_NAMES)
      env[`ACGS_${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
  });

  after(async () => {
    await Promise.all([...processes.values()].map((p) => p.terminate()));
    await database?.drop();
    const connection = await connect({ servers: nats.url });
    try {
      const manager = await connection.jetstreamManager();
      await manager.streams.delete(stream).catch(() => undefined);
    } finally {
      await connection.close();
    }
  });

  test('a service refuses to start on an unmigrated PostgreSQL database, naming the fix', () => {
    const result = runAcgs(['serve', 'integrity'], { ...env, ACGS_PORT: '1' });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /migrations 0001_intake, 0002_merkle_log are not applied; run `acgs migrate` first/,
    );
  });

  test('acgs migrate prepares the database for every service', () => {
    const result = runAcgs(['migrate'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /integrity: applied 0001_intake/);
    const again = runAcgs(['migrate'], env);
    assert.match(again.stderr, /integrity: up to date/);
    // The PGC appends to the log in another process: it needs a service key to start.
    const key = runAcgs(['apikey', 'create', '--account', 'svc-e2e', '--role', 'service'], env);
    assert.equal(key.code, 0, key.stderr);
    env.ACGS_SERVICE_API_KEY = key.stdout.trim();
  });

  test('each service runs in its own process and answers ready on its own port', async () => {
    const started = await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const port = new URL(env[`ACGS_${name.toUpperCase()}_URL`]!).port;
        return [name, await startAcgs(['serve', name], { ...env, ACGS_PORT: port })] as const;
      }),
    );
    for (const [name, process] of started) processes.set(name, process);
    for (const [name, process] of started) {
      const { body } = await waitFor(`${process.url}/health/ready`, (response) => response.status === 200);
      const ready = JSON.parse(body) as { services: string[]; checks: Record<string, unknown> };
      assert.deepEqual(ready.services, [name]);
      // Besides its adapters: the Auth service that resolves its callers' keys (when it runs
      // elsewhere), the log's self-check, and for the PGC the log it writes to and its bundle.
      const expected = ['nats', 'postgres', 'redis'];
      if (name !== 'auth') expected.push('auth');
      if (name === 'integrity') expected.push('log-integrity');
      if (name === 'pgc') expected.push('bundle', 'integrity');
      assert.deepEqual(Object.keys(ready.checks).sort(), expected.sort());
    }
  });

  test('an event published by each service is consumed by the integrity service', async () => {
    const integrity = processes.get('integrity')!;
    await waitFor(`${integrity.url}/metrics`, (_response, text) =>
      SERVICE_NAMES.every((name) =>
        new RegExp(
          `acgs_bus_events_consumed_total\\{consumer="integrity-intake",source="${name}",type="service.started"\\} 1\\b`,
        ).test(text),
      ),
    );
  });

  test('services in other processes carry the constitution service’s hash', async () => {
    const ac = await fetch(`${processes.get('ac')!.url}/api/v1/constitution/active/hash`);
    const { short } = (await ac.json()) as { short: string };
    const pgc = await fetch(`${processes.get('pgc')!.url}/health/live`);
    assert.equal(pgc.headers.get('x-constitutional-hash'), short);
  });

  for (const [dependency, variable, closed] of [
    ['redis', 'REDIS_URL', 'redis://127.0.0.1:1'],
    ['nats', 'NATS_URL', 'nats://127.0.0.1:1'],
    ['postgres', 'DATABASE_URL', 'postgres://postgres@127.0.0.1:1/test'],
  ] as const) {
    test(`${dependency} on a closed port: ready answers 503 naming it, live still answers`, async () => {
      const port = await freePort();
      const process = await startAcgs(['serve', 'gs'], {
        ...env,
        [variable]: closed,
        ACGS_PORT: String(port),
      });
      try {
        const { body } = await waitFor(
          `${process.url}/health/ready`,
          // The other dependencies connect in the background: wait until only the closed one fails.
          (response, text) =>
            response.status === 503 && JSON.stringify(JSON.parse(text).failing) === `["${dependency}"]`,
        );
        const problem = JSON.parse(body) as { failing: string[]; detail: string };
        assert.deepEqual(problem.failing, [dependency]);
        assert.match(problem.detail, new RegExp(dependency));
        assert.equal((await fetch(`${process.url}/health/live`)).status, 200);
      } finally {
        await process.terminate();
      }
    });
  }
});
