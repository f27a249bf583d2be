/**
 * The Integrity contract, one suite over both implementations: in-process (embedded mode) and the
 * HTTP client against the service's real routes (distributed mode). Same answers, same errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { IntegrityContract } from '../../kernel/contracts/integrity.js';
import { PlatformError } from '../../kernel/errors.js';
import type { ServiceContext } from '../../kit/service-module.js';
import { createDatabase, type Database } from '../../storage/index.js';
import { IntegrityClient } from './client.js';
import { createIntegrityService, type IntegrityService } from './service.js';
import { integrityMigrations } from './store.js';
import { MAX_ENTRY_LENGTH } from './usecases/append-entry.js';

const issuer = await createTestTokenIssuer();
const service = await issuer.headers('svc-pgc', ['service'], 'service');

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (s: IntegrityService, served: ServedModule) => IntegrityContract,
])[] = [
  ['in-process', (s) => s.contract],
  ['http', (_s, served) => new IntegrityClient(served.url, () => service, 10_000)],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`IntegrityContract (${name})`, () => {
    let dir: string;
    let database: Database;
    let context: ServiceContext;
    let integrity: IntegrityService;
    let served: ServedModule;
    let log: IntegrityContract;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'acgs-log-contract-'));
      database = createDatabase(`sqlite:${join(dir, 'log.db')}`);
      context = await openTestServiceContext(database, dir, { integrity: integrityMigrations }, name);
      integrity = createIntegrityService(context);
      await integrity.start?.();
      served = await serveModule(integrity, issuer.authenticator);
      log = implementation(integrity, served);
    });
    after(async () => {
      await served.close();
      await integrity.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('append resolves with consecutive indexes once durable; the same key returns the first receipt', async () => {
      const first = await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 1 }, key: 'k-1' });
      const second = await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 2 } });
      assert.equal(second.index, first.index + 1);
      assert.match(first.leafHash, /^[0-9a-f]{64}$/);
      assert.deepEqual(
        await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 1 }, key: 'k-1' }),
        first,
      );
    });

    it('proves inclusion by index and by leaf hash, and consistency between two sizes', async () => {
      const receipt = await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 3 } });
      const checkpoint = await waitForSize(log, receipt.index + 1);
      assert.match(checkpoint.note, /\n\n/);
      const byIndex = await log.inclusionProof({ index: receipt.index, size: receipt.index + 1 });
      const byHash = await log.inclusionProof({ leafHash: receipt.leafHash, size: receipt.index + 1 });
      assert.deepEqual(byHash, byIndex);
      assert.equal(byIndex.leafHash, receipt.leafHash);
      const consistency = await log.consistencyProof(1, receipt.index + 1);
      assert.equal(consistency.from, 1);
      assert.equal(consistency.to, receipt.index + 1);
      assert.equal(consistency.toRoot, byIndex.rootHash);
    });

    it('refuses a payload nested beyond 64 levels (400) or an entry beyond 1 MiB (413), storing nothing', async () => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 65; i++) deep = i % 2 === 0 ? [deep] : { x: deep };
      const before = (await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 4 } })).index;
      await assert.rejects(log.append({ type: 'test.contract', source: 'pgc', payload: deep }), {
        code: 'LOG_ENTRY_TOO_DEEP',
        status: 400,
      });
      // Over HTTP the service's body limit (1 MiB by default) may answer first: 413 either way.
      const large = { blob: 'x'.repeat(MAX_ENTRY_LENGTH) };
      await assert.rejects(log.append({ type: 'test.contract', source: 'pgc', payload: large }), (error) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.status, 413);
        assert.ok(
          name === 'in-process' ? error.code === 'LOG_ENTRY_TOO_LARGE' : /_TOO_LARGE$/.test(error.code),
          error.code,
        );
        return true;
      });
      const after = await log.append({ type: 'test.contract', source: 'pgc', payload: { n: 5 } });
      assert.equal(after.index, before + 1, 'neither refused entry took an index');
    });

    it('refuses a proof beyond the log with the same coded error', async () => {
      await assert.rejects(log.inclusionProof({ index: 0, size: 1_000_000 }), (error: unknown) => {
        assert.ok(error instanceof PlatformError);
        assert.equal(error.code, 'LOG_SIZE_UNAVAILABLE');
        assert.equal(error.status, 400);
        return true;
      });
      await assert.rejects(log.inclusionProof({ leafHash: 'ab'.repeat(32) }), {
        code: 'LOG_ENTRY_NOT_FOUND',
        status: 404,
      });
    });
  });
}

/** The checkpoint once it covers `size` entries (checkpoints are signed a moment after commits). */
async function waitForSize(log: IntegrityContract, size: number) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const checkpoint = await log.latestCheckpoint().catch(() => undefined);
    if (checkpoint !== undefined && checkpoint.size >= size) return checkpoint;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no checkpoint of size ${size}`);
}
