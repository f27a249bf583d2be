/**
 * The durable job queue's lease contract on a real job table (SQLite): a job that runs longer
 * than a lease stays with the process running it, so a second process's sweeps never run it too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import pino from 'pino';
import { systemClock } from '../kernel/clock.js';
import { createDatabase, type Database } from '../storage/index.js';
import { DurableJobQueue } from './durable-job-queue.js';
import type { JobLeaseColumns } from './job-view.js';
import { createJobTable, LeasedJobRows } from './leased-job-rows.js';

type Row = JobLeaseColumns & { status: string; request: string };

let dir: string;
let database: Database;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'acgs-jobq-'));
  database = createDatabase(`sqlite:${join(dir, 'jobs.db')}`);
  await createJobTable(database.as<unknown>(), 'test_jobs', (t) => t);
});
after(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

it('renews the lease of the running job, so another process does not take it over', async () => {
  const store = new LeasedJobRows<Row>(database.as<unknown>(), 'test_jobs');
  const settings = { capacity: 5, leaseMs: 200, maxAttempts: 3 };
  const ran: string[] = [];
  const queue = (owner: string, runMs: number) =>
    new DurableJobQueue(
      {
        store,
        clock: systemClock,
        owner,
        logger: pino({ level: 'silent' }),
        execute: async (id) => {
          ran.push(`${owner}:${id}`);
          await new Promise((resolve) => setTimeout(resolve, runMs));
        },
        giveUp: async () => {},
      },
      settings,
    );
  const now = Date.now();
  const row: Row = {
    id: 'job-1',
    status: 'running',
    constitution_hash: 'h',
    request: '{}',
    error: null,
    attempts: 1,
    owner: 'a',
    lease_until_ms: now + settings.leaseMs,
    created_by: 'paula',
    created_ms: now,
    updated_ms: now,
  };
  await store.insert(row);
  const a = queue('a', 1000); // runs for five leases
  const b = queue('b', 0);
  await a.start();
  a.enqueue('job-1');
  await b.start();
  await new Promise((resolve) => setTimeout(resolve, 800));
  await b.stop();
  await a.stop();
  assert.deepEqual(ran, ['a:job-1'], 'only the process holding the job ran it');
});
