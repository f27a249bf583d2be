import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ConstitutionFixture,
  exampleDocument,
  openConstitutionFixture,
} from '../../../../test/support/constitution-fixture.js';
import type { BusMessage, EventBus } from '../../../bus/event-bus.js';
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import { EVENT_TYPES, type EventEnvelope } from '../../../kernel/events.js';
import { ConstitutionReader } from '../constitution-reader.js';
import { EMPTY_CONSTITUTION_HASH } from '../empty-constitution.js';
import { constitutionErrors } from '../errors.js';
import { OutboxRelay } from '../outbox-relay.js';
import { bootstrapConstitution } from './bootstrap-constitution.js';
import { diffVersions } from './diff-versions.js';
import { getVersion } from './get-version.js';
import { createDraft, updateDraft } from './save-draft.js';

function amended() {
  const doc = exampleDocument() as unknown as {
    principles: { id: string; priority: number; keywords: string[] }[];
  };
  const p = doc.principles.find((x) => x.id === 'currency-controls')!;
  p.priority = 45;
  p.keywords = [...p.keywords, 'fx'];
  return doc;
}

async function rejectsWith(promise: Promise<unknown>, code: string, status: number) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(
      constitutionErrors.is(error, code as never) || (error as { code?: string }).code === code,
      String(error),
    );
    assert.equal((error as { status: number }).status, status);
    return true;
  });
}

describe('publishing versions', () => {
  let f: ConstitutionFixture;
  const events: EventEnvelope[] = [];
  before(async () => {
    f = await openConstitutionFixture();
    await f.bus.subscribe({
      durable: 'test-constitution-events',
      subjects: ['acgs.ac.>'],
      handler: async (m: BusMessage) => {
        events.push(m.event);
        await m.ack();
      },
    });
  });
  after(() => f.close());

  const waitForEvents = async (n: number) => {
    for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(events.length >= n, `got ${events.length} events, expected ${n}`);
  };

  it('starts empty: the empty constitution hash, no active version', async () => {
    const reader = new ConstitutionReader(f.deps);
    assert.deepEqual(await reader.activeHash(), EMPTY_CONSTITUTION_HASH);
    assert.equal(await reader.activeVersion(), undefined);
    await rejectsWith(getVersion(f.deps, 'active'), 'CONSTITUTION_NOT_PUBLISHED', 404);
  });

  it('bootstraps the first version, moves the active hash, and emits version.published', async () => {
    const version = await bootstrapConstitution(f.deps, { document: exampleDocument() }, 'admin-1');
    assert.equal(version.number, 1);
    assert.equal(version.via, 'bootstrap');
    assert.equal(version.hash, constitutionalHashOf(exampleDocument()).hash);
    assert.equal(f.deps.active.current().hash, version.hash);
    assert.deepEqual(await new ConstitutionReader(f.deps).activeHash(), {
      hash: version.hash,
      short: version.short,
    });
    await waitForEvents(1);
    const published = events.find((e) => e.type === EVENT_TYPES.constitutionPublished)!;
    assert.equal(published.source, 'ac');
    assert.deepEqual(published.data, {
      number: 1,
      hash: version.hash,
      short: version.short,
      name: version.document.name,
      via: 'bootstrap',
      publishedBy: 'admin-1',
    });
  });

  it('refuses a second bootstrap and a republication of the same content (409)', async () => {
    await rejectsWith(
      bootstrapConstitution(f.deps, { document: amended() }, 'admin-1'),
      'CONSTITUTION_ALREADY_BOOTSTRAPPED',
      409,
    );
    const reader = new ConstitutionReader(f.deps);
    f.council.passDocument('p-0', exampleDocument());
    await rejectsWith(
      reader.enact({ document: exampleDocument() }, { proposalId: 'p-0', enactedBy: 'council' }),
      'CONSTITUTION_VERSION_EXISTS',
      409,
    );
  });

  it('refuses an invalid document with every failing field', async () => {
    const doc = amended() as unknown as { principles: { invariants: { when: string }[] }[] };
    doc.principles[0]!.invariants[0]!.when = 'context.nope';
    await rejectsWith(
      new ConstitutionReader(f.deps).enact({ document: doc }, { proposalId: 'p-x', enactedBy: 'council' }),
      'CONSTITUTION_INVALID',
      400,
    );
    await assert.rejects(
      new ConstitutionReader(f.deps).enact({ document: doc }, { proposalId: 'p-x', enactedBy: 'council' }),
      (error: { errors: { pointer: string }[] }) =>
        error.errors[0]!.pointer === '/document/principles/0/invariants/0/when',
    );
  });

  it('edits a draft with optimistic concurrency, enacts it, and freezes it (409 on any later change)', async () => {
    const draft = await createDraft(f.deps, {}, 'author-1');
    assert.equal(draft.revision, 1);
    assert.equal(draft.hash, (await getVersion(f.deps, 'active')).hash);
    const edited = await updateDraft(f.deps, draft.id, { document: amended(), revision: 1 }, 'author-2');
    assert.equal(edited.revision, 2);
    assert.equal(edited.updatedBy, 'author-2');
    await rejectsWith(
      updateDraft(f.deps, draft.id, { document: amended(), revision: 1 }, 'author-1'),
      'CONSTITUTION_DRAFT_CONFLICT',
      409,
    );

    f.council.pass('prop-7', edited.hash);
    const version = await new ConstitutionReader(f.deps).enact(
      { draftId: draft.id },
      { proposalId: 'prop-7', enactedBy: 'council' },
    );
    assert.equal(version.number, 2);
    assert.equal(version.via, 'enact');
    assert.equal(version.proposalId, 'prop-7');
    assert.equal(version.draftId, draft.id);
    assert.equal(f.deps.active.current().hash, version.hash);

    await rejectsWith(
      updateDraft(f.deps, draft.id, { document: exampleDocument(), revision: 2 }, 'author-1'),
      'CONSTITUTION_VERSION_IMMUTABLE',
      409,
    );
    await rejectsWith(
      new ConstitutionReader(f.deps).enact(
        { draftId: draft.id },
        { proposalId: 'prop-8', enactedBy: 'council' },
      ),
      'CONSTITUTION_VERSION_IMMUTABLE',
      409,
    );
    // The stored version 1 is untouched.
    assert.equal((await getVersion(f.deps, '1')).hash, constitutionalHashOf(exampleDocument()).hash);

    await waitForEvents(4);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'constitution.version.published',
        'constitution.draft.updated',
        'constitution.draft.updated',
        'constitution.version.published',
      ],
    );
    assert.deepEqual(events[2]!.data, {
      draftId: draft.id,
      revision: 2,
      hash: edited.hash,
      updatedBy: 'author-2',
    });
    const last = events.filter((e) => e.type === EVENT_TYPES.constitutionPublished).at(-1)!;
    assert.equal((last.data as { previousHash: string }).previousHash, (await getVersion(f.deps, '1')).hash);
  });

  it('finds versions by number, full hash and short hash, and diffs them principle by principle', async () => {
    const v2 = await getVersion(f.deps, 'active');
    assert.equal((await getVersion(f.deps, v2.hash)).number, 2);
    assert.equal((await getVersion(f.deps, v2.short)).number, 2);
    assert.equal((await getVersion(f.deps, v2.short.toUpperCase())).number, 2);
    await rejectsWith(getVersion(f.deps, '9'), 'CONSTITUTION_VERSION_NOT_FOUND', 404);
    const diff = await diffVersions(f.deps, '1', 'active');
    assert.equal(diff.identical, false);
    assert.deepEqual(diff.principles.added, []);
    assert.deepEqual(diff.principles.removed, []);
    assert.deepEqual(diff.principles.changed, [
      {
        id: 'currency-controls',
        changes: [
          { field: 'priority', before: 40, after: 45 },
          {
            field: 'keywords',
            before: ['currency', 'payment', 'treasury'],
            after: ['currency', 'payment', 'treasury', 'fx'],
          },
        ],
      },
    ]);
    assert.equal((await diffVersions(f.deps, '2', '2')).identical, true);
  });
});

describe('events survive a bus that is down', () => {
  it('keeps the event in the outbox when the bus refuses, and publishes it once the bus is back', async () => {
    const f = await openConstitutionFixture();
    try {
      let up = false;
      const flaky: EventBus = {
        publish: async (event) => {
          if (!up) throw new Error('bus unreachable');
          await f.bus.publish(event);
        },
        subscribe: (options) => f.bus.subscribe(options),
        ping: () => f.bus.ping(),
        close: async () => {},
      };
      const deps = { ...f.deps, relay: new OutboxRelay(f.deps.store, flaky, f.deps.logger) };
      const version = await bootstrapConstitution(deps, { document: exampleDocument() }, 'admin');
      assert.equal(version.number, 1, 'the write is acknowledged although the bus is down');
      const pending = await f.deps.store.outbox.pending(10);
      assert.equal(pending.length, 1);
      assert.equal(pending[0]!.type, EVENT_TYPES.constitutionPublished);

      up = true;
      const received: EventEnvelope[] = [];
      await f.bus.subscribe({
        durable: 'test-outbox',
        subjects: ['acgs.ac.>'],
        handler: async (m) => {
          received.push(m.event);
          await m.ack();
        },
      });
      await deps.relay.flush();
      assert.deepEqual(await f.deps.store.outbox.pending(10), []);
      for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received[0]?.id, pending[0]!.id);
    } finally {
      await f.close();
    }
  });
});
