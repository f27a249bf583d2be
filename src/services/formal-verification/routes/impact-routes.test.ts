/**
 * `POST /api/v1/verification/impact` through the real kit (inject, no sockets) and the real
 * verifier (Z3): narrowing, widening and equivalent changes of the example policy set, the log
 * entry, validation naming the field, and the roles. The constitution contract answers with the
 * example constitution; the log is recorded in memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  EXAMPLE_POLICIES,
  exampleConstitutionReader,
} from '../../../../test/support/constitution-fixture.js';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import type { IntegrityContract, LogAppendRequest } from '../../../kernel/contracts/integrity.js';
import type { ImpactClassification } from '../../../kernel/contracts/verification.js';
import { loadPolicies } from '../../../policy/index.js';
import { createDatabase, type Database } from '../../../storage/index.js';
import { createFormalVerificationService } from '../service.js';
import { verificationMigrations } from '../store.js';

const issuer = await createTestTokenIssuer();
const council = await issuer.headers('carla', ['council_member']);
const agent = await issuer.headers('agent-1', ['agent'], 'service');

const { version, contract: constitution } = exampleConstitutionReader();
const appended: LogAppendRequest[] = [];
const integrity = {
  append: async (entry: LogAppendRequest) => {
    appended.push(entry);
    return { index: appended.length - 1, leafHash: '00' };
  },
} as unknown as IntegrityContract;

const example = (await loadPolicies(EXAMPLE_POLICIES)).policies.map((p) => p.policy);
/** Every export is denied from now on: only ever stricter. */
const withExportFreeze = [
  ...example,
  {
    id: 'records.freeze-exports',
    target: { actions: ['export_records'] },
    condition: 'true',
    effect: 'deny',
  },
];
/** The huge-refund deny is gone: some refunds move from deny to review. */
const withoutHugeRefundDeny = example.filter((p) => p.id !== 'refunds.deny-huge');

describe('POST /api/v1/verification/impact', () => {
  let dir: string;
  let database: Database;
  let served: ServedModule;
  let fv: ReturnType<typeof createFormalVerificationService>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-fv-'));
    database = createDatabase(`sqlite:${join(dir, 'fv.db')}`);
    const context = await openTestServiceContext(database, dir, { fv: verificationMigrations }, 'fv-1');
    fv = createFormalVerificationService(context, () => ({ constitution, integrity }));
    await fv.start?.();
    served = await serveModule(fv, issuer.authenticator);
  });
  after(async () => {
    await served.close();
    await fv.stop?.();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const classify = (payload: object, headers = council) =>
    served.app.inject({ method: 'POST', url: '/api/v1/verification/impact', headers, payload });

  it('classifies a narrowing, a widening and an unchanged set, each change with an engine-confirmed example', {
    timeout: 300_000,
  }, async () => {
    const narrowing = await classify({
      policies: withExportFreeze,
      against: example,
      constitutionHash: version.hash,
    });
    assert.equal(narrowing.statusCode, 200, narrowing.body);
    const n = narrowing.json() as ImpactClassification;
    assert.equal(n.classification, 'narrowing');
    assert.ok(n.changes.length > 0 && n.changes.every((c) => c.kind === 'narrowing' && c.to === 'deny'));
    assert.ok(n.changes.every((c) => (c.example.action as { type: string }).type === 'export_records'));
    assert.deepEqual(n.unknown, []);

    const widening = (
      await classify({ policies: withoutHugeRefundDeny, against: example, constitutionHash: version.hash })
    ).json() as ImpactClassification;
    assert.equal(widening.classification, 'widening');
    assert.ok(widening.changes.some((c) => c.from === 'deny' && c.kind === 'widening'));

    const same = (
      await classify({ policies: example, against: [...example].reverse(), constitutionHash: version.hash })
    ).json() as ImpactClassification;
    assert.equal(same.classification, 'equivalent');
    assert.equal(same.policySetHash, same.previousPolicySetHash);

    const logged = appended.filter((e) => e.type === 'verification.impact');
    assert.deepEqual(
      logged.map((e) => (e.payload as { classification: string }).classification),
      ['narrowing', 'widening', 'equivalent'],
    );
    assert.equal((logged[0]!.payload as { requestedBy?: string }).requestedBy, 'carla');
  });

  it('refuses a body without the previous set (naming the field), an unknown constitution and an agent', async () => {
    const missing = await classify({ policies: example, constitutionHash: version.hash });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.headers['content-type'] as string, /application\/problem\+json/);
    assert.match(missing.body, /against/);
    const unknownHash = await classify({ policies: [], against: [], constitutionHash: 'b'.repeat(64) });
    assert.equal(unknownHash.statusCode, 404);
    assert.equal(unknownHash.json().code, 'VERIFICATION_CONSTITUTION_NOT_FOUND');
    const forbidden = await classify({ policies: [], against: [], constitutionHash: version.hash }, agent);
    assert.equal(forbidden.statusCode, 403);
  });
});
