/** The HTTP client of the contract against the real routes on a socket. */
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
import { ConstitutionClient } from './client.js';

const issuer = await createTestTokenIssuer();
const council = await issuer.headers('svc-ec', ['service'], 'service');

import { EMPTY_CONSTITUTION_HASH } from './empty-constitution.js';

describe('ConstitutionClient', () => {
  let f: ConstitutionFixture;
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    f = await openConstitutionFixture();
    app = await buildConstitutionServer(f, issuer.authenticator);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await f.close();
  });

  const client = () => new ConstitutionClient(url, { credentials: () => council });

  it('reads the empty constitution before the first version, and enacts over HTTP', async () => {
    assert.deepEqual(await client().activeHash(), EMPTY_CONSTITUTION_HASH);
    assert.equal(await client().activeVersion(), undefined);
    f.council.passDocument('p-1', exampleDocument());
    const version = await client().enact(
      { document: exampleDocument() },
      { proposalId: 'p-1', enactedBy: 'council' },
    );
    assert.equal(version.number, 1);
    assert.equal(version.via, 'enact');
    assert.deepEqual(await client().activeHash(), constitutionalHashOf(exampleDocument()));
    assert.equal((await client().activeVersion())?.number, 1);
  });

  it("passes the service's problem through: code, status and field errors", async () => {
    f.council.passDocument('p-2', exampleDocument());
    await assert.rejects(
      client().enact({ document: exampleDocument() }, { proposalId: 'p-2', enactedBy: 'council' }),
      {
        code: 'CONSTITUTION_VERSION_EXISTS',
        status: 409,
      },
    );
    const bad = exampleDocument() as unknown as { principles: { invariants: { when: string }[] }[] };
    bad.principles[0]!.invariants[0]!.when = 'nope';
    await assert.rejects(
      client().enact({ document: bad }, { proposalId: 'p-3', enactedBy: 'council' }),
      (error: { code: string; errors: { pointer: string }[] }) => {
        assert.equal(error.code, 'CONSTITUTION_INVALID');
        assert.equal(error.errors[0]!.pointer, '/body/document/principles/0/invariants/0/when');
        return true;
      },
    );
    const anonymous = new ConstitutionClient(url, { credentials: () => ({}) });
    await assert.rejects(
      anonymous.enact({ document: exampleDocument() }, { proposalId: 'p-4', enactedBy: 'x' }),
      { status: 401 },
    );
  });

  it('reports an unreachable service as DEPENDENCY_UNAVAILABLE', async () => {
    await assert.rejects(new ConstitutionClient('http://127.0.0.1:9', 500).activeHash(), {
      code: 'DEPENDENCY_UNAVAILABLE',
    });
  });
});
