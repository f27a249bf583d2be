/**
 * The evolution routes through the real kit (inject, no sockets) on SQLite, the example
 * constitution and the real verifier: roles, validation, 202 with a location, progress until the
 * run ends, the lineage export, cancelling a finished run (409), unknown runs and variants (404),
 * and the proposal of a variant — 201 for the best admissible one, bound to its bundle id, and 409
 * for one that is not admissible (nothing reaches the council).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { realVerifier, weakenedPolicies } from '../../../../test/support/evolution-fixture.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import type { VariantAdoptionRequest } from '../../../kernel/contracts/council.js';
import { createDatabase } from '../../../storage/index.js';
import { createConstitutionalAiService } from '../../constitutional-ai/service.js';
import { constitutionMigrations } from '../../constitutional-ai/store.js';
import type { ArchiveEntry } from '../search/archive.js';
import { createDarwinGodelMachineService, type DarwinGodelMachineService } from '../service.js';
import { evolutionMigrations } from '../store.js';

const issuer = await createTestTokenIssuer();
const author = await issuer.headers('paula', ['policy_author']);
const auditor = await issuer.headers('audrey', ['auditor']);

describe('evolution routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-dgm-routes-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let service: DarwinGodelMachineService | undefined;
  let served: ServedModule | undefined;
  after(async () => {
    await served?.close();
    await service?.stop?.();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start, follow, export, cancel and propose through the routes', { timeout: 300_000 }, async () => {
    const context = await openTestServiceContext(
      database,
      dir,
      { ac: constitutionMigrations, dgm: evolutionMigrations },
      'routes',
    );
    const ac = createConstitutionalAiService(context, {
      council: () => {
        throw new Error('unused');
      },
    });
    await ac.start?.();
    const proposed: VariantAdoptionRequest[] = [];
    service = createDarwinGodelMachineService(context, {
      constitution: ac.contract,
      verification: realVerifier().verifier,
      council: {
        proposal: async () => undefined,
        seated: async () => true,
        proposeRatification: async () => ({ proposalId: 'unused' }),
        proposeVariantAdoption: async (request) => {
          proposed.push(request);
          return { proposalId: `p-${proposed.length}` };
        },
        proposeActivation: async () => ({ proposalId: 'unused' }),
      },
      settings: { capacity: 2, leaseMs: 60_000, maxAttempts: 3 },
    });
    await service.start?.();
    served = await serveModule(service, issuer.authenticator);
    const app = served.app;
    const body = { base: { policies: await weakenedPolicies() }, seed: 3, iterations: 12, propose: false };

    const post = (headers: Record<string, string>, payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/evolution/runs', headers, payload });
    assert.equal((await post(auditor, body)).statusCode, 403, 'an auditor reads, never starts');
    const invalid = await post(author, { ...body, base: { policies: [] } });
    assert.equal(invalid.statusCode, 400);
    assert.equal((await post(author, { ...body, lambda: 0 })).statusCode, 400, 'λ must be positive');

    const started = await post(author, body);
    assert.equal(started.statusCode, 202, started.body);
    const run = started.json() as { id: string; status: string; iterations: number; seed: number };
    assert.equal(started.headers.location, `/api/v1/evolution/runs/${run.id}`);
    assert.deepEqual([run.iterations, run.seed], [12, 3]);

    const get = (url: string, headers = auditor) => app.inject({ method: 'GET', url, headers });
    let view = run as { status: string; progress?: number; iteration?: number };
    for (let i = 0; i < 3000 && (view.status === 'queued' || view.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = (await get(`/api/v1/evolution/runs/${run.id}`)).json();
    }
    assert.equal(view.status, 'succeeded', JSON.stringify(view));
    assert.deepEqual([view.progress, view.iteration], [1, 12]);

    const lineage = await get(`/api/v1/evolution/runs/${run.id}/lineage`);
    assert.equal(lineage.statusCode, 200);
    const entries = (lineage.json() as { entries: ArchiveEntry[] }).entries;
    assert.equal(entries[0]?.id, 'v0');
    assert.ok(entries.length > 1 && entries.length <= 13, `${entries.length} entries`);
    assert.ok(entries.every((e, i) => i === 0 || e.parentId !== null));

    assert.equal((await get('/api/v1/evolution/runs/nope')).statusCode, 404);
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/evolution/runs/${run.id}/cancel`,
      headers: author,
    });
    assert.equal(cancel.statusCode, 409);
    assert.equal((cancel.json() as { code: string }).code, 'EVOLUTION_RUN_FINISHED');

    const propose = (variantId: string, headers = author) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/evolution/runs/${run.id}/variants/${variantId}/proposal`,
        headers,
      });
    assert.equal((await propose('v0', auditor)).statusCode, 403);
    assert.equal((await propose('v999')).statusCode, 404);
    const other = entries.find((e) => e.status !== 'admissible');
    assert.ok(other !== undefined, 'a run of 12 iterations leaves some variant unproved');
    const refused = await propose(other.id);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((refused.json() as { code: string }).code, 'EVOLUTION_VARIANT_INADMISSIBLE');
    assert.equal(proposed.length, 0, 'nothing reached the council');

    const admissible = entries.filter((e) => e.status === 'admissible').at(-1)!;
    const accepted = await propose(admissible.id);
    assert.equal(accepted.statusCode, 201, accepted.body);
    assert.deepEqual(accepted.json(), { proposalId: 'p-1', bundleId: admissible.bundleId });
    assert.deepEqual(
      [proposed[0]?.runId, proposed[0]?.variantId, proposed[0]?.bundleId],
      [run.id, admissible.id, admissible.bundleId],
    );
  });
});
