/**
 * The Constitution contract, one suite over both implementations: in-process (embedded mode) and
 * the HTTP client against the service's real routes (distributed mode). Same answers, same errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  buildConstitutionServer,
  type ConstitutionFixture,
  exampleDocument,
  openConstitutionFixture,
} from '../../../test/support/constitution-fixture.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import { PlatformError } from '../../kernel/errors.js';
import { ConstitutionClient } from './client.js';
import { ConstitutionReader } from './constitution-reader.js';
import { EMPTY_CONSTITUTION_HASH } from './empty-constitution.js';

const issuer = await createTestTokenIssuer();
const council = await issuer.headers('svc-ec', ['service'], 'service');

const IMPLEMENTATIONS: readonly (readonly [
  string,
  (f: ConstitutionFixture, url: string) => ConstitutionContract,
])[] = [
  ['in-process', (f) => new ConstitutionReader(f.deps)],
  ['http', (_f, url) => new ConstitutionClient(url, { credentials: () => council })],
];

for (const [name, implementation] of IMPLEMENTATIONS) {
  describe(`ConstitutionContract (${name})`, () => {
    let f: ConstitutionFixture;
    let app: FastifyInstance;
    let contract: ConstitutionContract;
    before(async () => {
      f = await openConstitutionFixture();
      app = await buildConstitutionServer(f, issuer.authenticator);
      contract = implementation(f, await app.listen({ host: '127.0.0.1', port: 0 }));
    });
    after(async () => {
      await app.close();
      await f.close();
    });

    it('answers the empty constitution before the first version', async () => {
      assert.deepEqual(await contract.activeHash(), EMPTY_CONSTITUTION_HASH);
      assert.equal(await contract.activeVersion(), undefined);
    });

    it('resolves a document to its normalized form and hash without publishing it', async () => {
      const resolved = await contract.resolve({ document: exampleDocument() });
      assert.equal(resolved.hash, constitutionalHashOf(exampleDocument()).hash);
      assert.equal(await contract.activeVersion(), undefined);
    });

    it('enacts a version, which becomes the active one with its hash', async () => {
      const unauthorised = contract.enact(
        { document: exampleDocument() },
        { proposalId: 'p-0', enactedBy: 'x' },
      );
      await assert.rejects(unauthorised, { code: 'CONSTITUTION_ENACTMENT_UNAUTHORIZED', status: 409 });
      f.council.passDocument('p-1', exampleDocument());
      const version = await contract.enact(
        { document: exampleDocument() },
        { proposalId: 'p-1', enactedBy: 'council' },
      );
      assert.equal(version.number, 1);
      assert.equal(version.via, 'enact');
      assert.equal(version.proposalId, 'p-1');
      assert.deepEqual(await contract.activeHash(), constitutionalHashOf(exampleDocument()));
      assert.equal((await contract.activeVersion())?.hash, version.hash);
    });

    it('refuses the same content again and an invalid document with the same coded errors', async () => {
      f.council.passDocument('p-2', exampleDocument());
      await assert.rejects(
        contract.enact({ document: exampleDocument() }, { proposalId: 'p-2', enactedBy: 'council' }),
        (error: unknown) => {
          assert.ok(error instanceof PlatformError);
          assert.equal(error.code, 'CONSTITUTION_VERSION_EXISTS');
          assert.equal(error.status, 409);
          return true;
        },
      );
      const bad = exampleDocument() as unknown as { name: unknown };
      bad.name = 42;
      await assert.rejects(
        contract.enact({ document: bad }, { proposalId: 'p-3', enactedBy: 'council' }),
        (error: unknown) => {
          assert.ok(error instanceof PlatformError);
          assert.equal(error.code, 'CONSTITUTION_INVALID');
          assert.ok(
            (error.errors ?? []).some((e) => e.pointer.endsWith('/document/name')),
            JSON.stringify(error.errors),
          );
          return true;
        },
      );
    });
  });
}
