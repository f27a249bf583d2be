/** The store and the publish path on both dialects: concurrent publishers, immutability, the outbox. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleDocument, openConstitutionFixture } from '../../../test/support/constitution-fixture.js';
import { externalService } from '../../../test/support/external-services.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import { ConstitutionReader } from './constitution-reader.js';
import { bootstrapConstitution } from './usecases/bootstrap-constitution.js';
import { getVersion } from './usecases/get-version.js';

const postgres = await externalService('postgres');
const DIALECTS = [
  { name: 'sqlite', url: undefined, skip: false as const },
  { name: 'postgres', url: postgres.url, skip: postgres.skip },
];

function variant(n: number) {
  const doc = exampleDocument() as unknown as { name: string };
  doc.name = `Northwind amendment ${n}`;
  return doc;
}

for (const dialect of DIALECTS) {
  describe(`constitution store on ${dialect.name}`, { skip: dialect.skip }, () => {
    it('numbers concurrent enactments 2..n without gaps or losses, and refuses concurrent bootstraps but one', async () => {
      const f = await openConstitutionFixture(dialect.url);
      try {
        const bootstraps = await Promise.allSettled(
          [0, 1, 2].map((n) => bootstrapConstitution(f.deps, { document: variant(100 + n) }, `admin-${n}`)),
        );
        assert.equal(bootstraps.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of bootstraps) {
          if (r.status === 'rejected')
            assert.equal((r.reason as { code: string }).code, 'CONSTITUTION_ALREADY_BOOTSTRAPPED');
        }
        const reader = new ConstitutionReader(f.deps);
        for (const n of [1, 2, 3, 4, 5, 99]) f.council.passDocument(`p-${n}`, variant(n));
        const enacted = await Promise.all(
          [1, 2, 3, 4, 5].map((n) =>
            reader.enact({ document: variant(n) }, { proposalId: `p-${n}`, enactedBy: 'council' }),
          ),
        );
        assert.deepEqual(enacted.map((v) => v.number).sort(), [2, 3, 4, 5, 6]);
        for (const v of enacted) {
          const stored = await getVersion(f.deps, String(v.number));
          assert.equal(
            stored.hash,
            constitutionalHashOf(stored.document).hash,
            'stored document hashes to its hash',
          );
          assert.equal(stored.hash, v.hash);
        }
        const active = await reader.activeHash();
        assert.equal(active.hash, (await getVersion(f.deps, '6')).hash);
        assert.equal(f.deps.active.current().hash, active.hash);
        await f.deps.relay.flush();
        assert.deepEqual(await f.deps.store.outbox.pending(100), [], 'every event left the outbox');
        const same = await Promise.allSettled(
          [1, 2].map(() =>
            reader.enact({ document: variant(99) }, { proposalId: 'p-99', enactedBy: 'council' }),
          ),
        );
        assert.deepEqual(same.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
        const rejected = same.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((rejected.reason as { code: string }).code, 'CONSTITUTION_VERSION_EXISTS');
      } finally {
        await f.close();
      }
    });
  });
}
