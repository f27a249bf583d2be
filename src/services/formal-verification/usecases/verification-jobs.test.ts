/**
 * Verification jobs survive a restart: a job one process accepted and was running when it
 * stopped is run again and finished by the next process on the same database, or, once it has
 * been interrupted `maxAttempts` times, marked failed with the reason. Never lost. Real service,
 * real kit routes (inject), real verifier threads; the log is recorded in memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  EXAMPLE_POLICIES,
  exampleConstitutionReader,
} from '../../../../test/support/constitution-fixture.js';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import type { IntegrityContract } from '../../../kernel/contracts/integrity.js';
import type { DurableJobQueueSettings } from '../../../kit/durable-job-queue.js';
import { loadPolicies } from '../../../policy/index.js';
import { createDatabase, type Database } from '../../../storage/index.js';
import { SYNC_LIMIT } from '../routes/report-routes.js';
import { createFormalVerificationService } from '../service.js';
import { verificationMigrations } from '../store.js';
import type { JobView } from './verification-jobs.js';

const issuer = await createTestTokenIssuer();
const author = await issuer.headers('paula', ['policy_author']);
const { version, contract: constitution } = exampleConstitutionReader();
const integrity = {
  append: async () => ({ index: 0, leafHash: '00' }),
} as unknown as IntegrityContract;
const example = (await loadPolicies(EXAMPLE_POLICIES)).policies.map((p) => p.policy);
// Both sides together exceed the synchronous limit: an impact analysis that runs as a job.
const body = {
  policies: example.filter((p) => p.id !== 'refunds.deny-huge'),
  against: example,
  constitutionHash: version.hash,
  // The largest a request may ask: on busy cores the default per-query limit answers unknown.
  queryTimeoutMs: 60_000,
};
assert.ok(body.policies.length + body.against.length > SYNC_LIMIT);

describe('verification jobs across a restart', () => {
  let dir: string;
  let database: Database;
  const running: { fv: ReturnType<typeof createFormalVerificationService>; served: ServedModule }[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-fv-jobs-'));
    database = createDatabase(`sqlite:${join(dir, 'fv.db')}`);
  });
  // A failed test leaves no process behind to take the next test's jobs.
  afterEach(async () => {
    for (const r of [...running]) await stop(r);
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startProcess = async (instance: string, settings: DurableJobQueueSettings) => {
    const context = await openTestServiceContext(database, dir, { fv: verificationMigrations }, instance);
    const fv = createFormalVerificationService(context, () => ({ constitution, integrity }), settings);
    await fv.start?.();
    const r = { fv, served: await serveModule(fv, issuer.authenticator) };
    running.push(r);
    return r;
  };
  const stop = async (r: (typeof running)[number]) => {
    running.splice(running.indexOf(r), 1);
    await r.served.close();
    await r.fv.stop?.();
  };
  const job = async (r: (typeof running)[number], id: string) => {
    const reply = await r.served.app.inject({
      method: 'GET',
      url: `/api/v1/verification/jobs/${id}`,
      headers: author,
    });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json() as JobView;
  };
  const until = async (r: (typeof running)[number], id: string, done: (j: JobView) => boolean) => {
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
      const j = await job(r, id);
      if (done(j)) return j;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${id} did not get there in time`);
  };
  const post = (r: (typeof running)[number]) =>
    r.served.app.inject({
      method: 'POST',
      url: '/api/v1/verification/reports',
      headers: author,
      payload: body,
    });
  /** Posts the job to `r`: 202 and the job's id. */
  const accept = async (r: (typeof running)[number]) => {
    const accepted = await post(r);
    assert.equal(accepted.statusCode, 202, accepted.body);
    return (accepted.json() as JobView).id;
  };
  /** A job accepted by a first process, which stops while the job runs. */
  const interrupted = async (settings: DurableJobQueueSettings) => {
    const first = await startProcess('fv-first', settings);
    const id = await accept(first);
    const seen = await until(first, id, (j) => j.status !== 'queued');
    assert.equal(seen.status, 'running', 'the job must still run when the process stops');
    await stop(first);
    return id;
  };

  it('finishes, in the next process, a job the stopped process was running', {
    timeout: 600_000,
  }, async () => {
    const settings = { capacity: 10, leaseMs: 60_000, maxAttempts: 3 };
    const id = await interrupted(settings);
    const second = await startProcess('fv-second', settings);
    const done = await until(second, id, (j) => j.status === 'done' || j.status === 'failed');
    assert.equal(done.status, 'done', JSON.stringify(done.error));
    assert.equal(done.attempts, 2);
    assert.equal(done.report?.impact?.classification, 'widening');
    await stop(second);
  });

  it('renews the lease of a job it runs: a second live process never takes it over', {
    timeout: 600_000,
  }, async () => {
    // A lease shorter than the verification: without renewal the second process, sweeping every
    // half lease, would take the job over once the lease lapsed and run it too.
    const settings = { capacity: 10, leaseMs: 1500, maxAttempts: 3 };
    const first = await startProcess('fv-first', settings);
    const second = await startProcess('fv-second', settings);
    const started = Date.now();
    const id = await accept(first);
    const done = await until(second, id, (j) => j.status === 'done' || j.status === 'failed');
    assert.equal(done.status, 'done', JSON.stringify(done.error));
    assert.ok(Date.now() - started > 1.5 * settings.leaseMs, 'the job outlived its first lease');
    assert.equal(done.attempts, 1, 'run once, by the process that accepted it');
    await stop(second);
    await stop(first);
  });

  it('marks failed, with the reason, a job interrupted as often as it may be', {
    timeout: 600_000,
  }, async () => {
    const settings = { capacity: 10, leaseMs: 60_000, maxAttempts: 1 };
    const id = await interrupted(settings);
    const second = await startProcess('fv-second', settings);
    const failed = await until(second, id, (j) => j.status !== 'queued' && j.status !== 'running');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'VERIFICATION_INTERRUPTED');
    assert.match(failed.error?.message ?? '', /interrupted 1 times/);
    await stop(second);
  });

  it('refuses a job beyond the capacity of waiting and running jobs: 503 with Retry-After', {
    timeout: 600_000,
  }, async () => {
    const settings = { capacity: 1, leaseMs: 60_000, maxAttempts: 3 };
    const only = await startProcess('fv-full', settings);
    await accept(only);
    const refused = await post(only);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.json().code, 'VERIFICATION_JOBS_FULL');
    assert.equal(refused.headers['retry-after'], '5');
    await stop(only);
  });
});
