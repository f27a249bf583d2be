/**
 * Runs as durable jobs (done-when 2, second part): a run stored in SQLite is stopped halfway by
 * its process's shutdown, taken over by a new process on the same database and resumed from its
 * last stored iteration; it ends with the same archive hash as the same run never interrupted.
 * Cancellation and the lineage export go through the same service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realVerifier, weakenedPolicies } from '../../../test/support/evolution-fixture.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createDatabase } from '../../storage/index.js';
import { createConstitutionalAiService } from '../constitutional-ai/service.js';
import { constitutionMigrations } from '../constitutional-ai/store.js';
import type { RunView } from './evolution-runs.js';
import { createDarwinGodelMachineService, type DarwinGodelMachineService } from './service.js';
import { evolutionMigrations } from './store.js';

const SETTINGS = { capacity: 10, leaseMs: 2000, maxAttempts: 3 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(service: DarwinGodelMachineService, id: string, done: (run: RunView) => boolean) {
  for (;;) {
    const run = await service.runs.get(id);
    if (done(run)) return run;
    await sleep(100);
  }
}

describe('evolution runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-dgm-runs-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run stopped halfway and resumed after a restart ends with the archive of an uninterrupted one', {
    timeout: 600_000,
  }, async () => {
    const migrations = { ac: constitutionMigrations, dgm: evolutionMigrations };
    const context = await openTestServiceContext(database, dir, migrations, 'first');
    const ac = createConstitutionalAiService(context, {
      council: () => {
        throw new Error('unused');
      },
    });
    await ac.start?.();
    const { verifier } = realVerifier();
    const contracts = {
      constitution: ac.contract,
      verification: verifier,
      council: {
        proposal: async () => undefined,
        seated: async () => false,
        proposeRatification: async () => ({ proposalId: 'unused' }),
        proposeVariantAdoption: async () => ({ proposalId: 'unused' }),
        proposeActivation: async () => ({ proposalId: 'unused' }),
      },
      settings: SETTINGS,
    };
    const request = {
      base: { policies: await weakenedPolicies() },
      seed: 11,
      iterations: 30,
      propose: false,
    };
    const hash = (await ac.contract.activeHash()).hash;

    const first = createDarwinGodelMachineService(context, contracts);
    await first.start?.();
    const interrupted = await first.runs.submit(request, hash, 'ann');
    await until(first, interrupted.id, (r) => r.iteration >= 12);
    await first.stop?.();
    const halfway = await first.runs.get(interrupted.id);
    assert.equal(halfway.status, 'running');
    assert.ok(halfway.iteration >= 12 && halfway.iteration < 30, `stopped at ${halfway.iteration}`);

    // A new process on the same database takes the run over and resumes it.
    const second = createDarwinGodelMachineService({ ...context, instanceId: 'second' }, contracts);
    await second.start?.();
    const resumed = await until(
      second,
      interrupted.id,
      (r) => r.status !== 'running' && r.status !== 'queued',
    );
    assert.equal(resumed.status, 'succeeded', resumed.error);
    assert.equal(resumed.attempts, 2);

    const whole = await second.runs.submit(request, hash, 'ann');
    const uninterrupted = await until(
      second,
      whole.id,
      (r) => r.status !== 'running' && r.status !== 'queued',
    );
    assert.equal(uninterrupted.status, 'succeeded', uninterrupted.error);
    const archive = (r: RunView) => (r.result as { archiveHash: string }).archiveHash;
    assert.equal(archive(resumed), archive(uninterrupted));

    const lineage = await second.runs.lineage(whole.id);
    assert.equal(lineage.entries[0]!.id, 'v0');
    assert.ok(
      lineage.entries.every((e) => e.parentId === null || lineage.entries.some((p) => p.id === e.parentId)),
    );

    const cancelled = await second.runs.submit({ ...request, iterations: 500 }, hash, 'ann');
    await until(second, cancelled.id, (r) => r.iteration >= 2);
    assert.equal((await second.runs.cancel(cancelled.id)).status, 'cancelled');
    await assert.rejects(second.runs.cancel(cancelled.id), /is cancelled/);
    await second.stop?.();
    await context.bus.close();
  });
});
