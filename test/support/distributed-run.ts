/** One distributed test run's environment, set-up and clean-up (its names follow `run`). */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { newKeyEncryptionKey } from '../../src/kit/secret-envelope.js';
import { runAcgs } from './platform-process.js';

/** Deletes the keys under `<run>:` and the JetStream stream `<RUN>` the run's processes used. */
export async function removeRunState(run: string, redisUrl: string, natsUrl: string): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    const found = await client.keys(`${run}:*`);
    if (found.length > 0) await client.del(...found);
  } finally {
    client.disconnect();
  }
  const connection = await connect({ servers: natsUrl });
  try {
    await (await connection.jetstreamManager()).streams.delete(run.toUpperCase()).catch(() => undefined);
  } finally {
    await connection.close();
  }
}

/** The variables every process of one run shares: its database, and its own stream, subjects and keys. */
export function runEnvironment(
  run: string,
  urls: { readonly database: string; readonly redis: string; readonly nats: string },
): Record<string, string> {
  return {
    DATABASE_URL: urls.database,
    REDIS_URL: urls.redis,
    NATS_URL: urls.nats,
    ACGS_NATS_STREAM: run.toUpperCase(),
    ACGS_SUBJECT_ROOT: run,
    ACGS_REDIS_PREFIX: `${run}:`,
    // One key-encryption key per run, as a deployment has one: every process seals and opens with it.
    ACGS_KEK: newKeyEncryptionKey(),
    ACGS_HOST: '127.0.0.1',
  };
}

/**
 * Applies every migration and creates a service key (`svc-<service>`, with a rate limit of its own
 * that fits a service under load), as an operator would with the CLI; returns the key.
 */
export function migrateWithServiceKey(env: Record<string, string>, service: string): string {
  const migrated = runAcgs(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  const key = runAcgs(
    ['apikey', 'create', '--account', `svc-${service}`, '--role', 'service', '--rate', '1000000'],
    env,
  );
  assert.equal(key.code, 0, key.stderr);
  return key.stdout.trim();
}
