/**
 * The PGC's use cases over real collaborators: a throw-away SQLite database, the local bus, the
 * Constitutional AI service (bootstrapping the example constitution) and the Integrity service's
 * in-process log. Covers what the end-to-end tests cannot see from outside: a decision in flight
 * during a swap, ordering of generations, the outbox's at-least-once delivery after a "crash".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import type { EventBus } from '../../../bus/event-bus.js';
import type { PolicyDecisionReviewData } from '../../../kernel/events.js';
import type { Principal } from '../../../kernel/roles.js';
import type { ServiceContext, ServiceModule } from '../../../kit/service-module.js';
import { loadPolicies } from '../../../policy/index.js';
import { createDatabase } from '../../../storage/index.js';
import { createConstitutionalAiService } from '../../constitutional-ai/service.js';
import { constitutionMigrations } from '../../constitutional-ai/store.js';
import { createIntegrityService } from '../../integrity/service.js';
import { integrityMigrations } from '../../integrity/store.js';
import { DecisionLog, type DecisionRecord, type ReviewItem } from '../decision-log.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import { createPolicyGovernanceService } from '../service.js';
import { PgcStore, pgcMigrations } from '../store.js';
import { activateBundle } from './activate-bundle.js';
import { createBundle } from './create-bundle.js';
import { decideBatch, decideOne } from './decide-requests.js';
import { rotateSigningKey } from './rotate-signing-key.js';
import { verifiedAndCompiled } from './sync-active-bundle.js';

/** A caller that may speak for any principal (the tests' requests name several). */
const UNIT_DELEGATE: Principal = {
  subject: 'unit',
  roles: ['service'],
  scopes: [],
  kind: 'service',
  delegate: true,
};

const POLICY_DIR = fileURLToPath(new URL('../../../../../examples/constitution/policies', import.meta.url));
const refund = (amount: number, roles = ['support-agent']) => ({
  principal: { id: 'agent-1', type: 'agent', roles },
  action: { type: 'issue_refund', amount },
  resource: { type: 'order' },
});

describe('pgc use cases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-unit-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let context: ServiceContext;
  let modules: ServiceModule[] = [];
  let deps: PgcDeps;
  let integrity: ReturnType<typeof createIntegrityService>;
  let ac: ReturnType<typeof createConstitutionalAiService>;
  let policies: unknown[];

  before(async () => {
    context = await openTestServiceContext(
      database,
      dir,
      { ac: constitutionMigrations, integrity: integrityMigrations, pgc: pgcMigrations },
      'unit',
    );
    ac = createConstitutionalAiService(context);
    integrity = createIntegrityService(context);
    const pgc = createPolicyGovernanceService(context, {
      constitution: ac.contract,
      integrity: integrity.contract,
    });
    modules = [ac, integrity, pgc];
    for (const m of modules) await m.start?.();
    deps = pgc.deps;
    policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
  });

  after(async () => {
    for (const m of [...modules].reverse()) await m.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('activation refuses a bundle whose constitution is not the active one, and one that fails a scenario', async () => {
    const { bundle } = await createBundle(deps, { policies }, 'tester');
    // The same policies against another constitution: store a copy whose target differs.
    const other = { ...bundle, id: 'f'.repeat(64), constitutionHash: 'e'.repeat(64) };
    await deps.store.insertBundle(other, Date.now());
    await assert.rejects(activateBundle(deps, other.id, 'tester'), (e) =>
      pgcErrors.is(e, 'PGC_CONSTITUTION_NOT_ACTIVE'),
    );
    const noDeny = policies.filter((p) => (p as { effect: string }).effect !== 'deny');
    const weak = await createBundle(deps, { policies: noDeny }, 'tester');
    await assert.rejects(activateBundle(deps, weak.bundle.id, 'tester'), (e) => {
      assert.ok(pgcErrors.is(e, 'PGC_ACTIVATION_REFUSED'));
      assert.ok((e.errors ?? []).length > 0);
      return true;
    });
    assert.equal(deps.active.current, undefined, 'nothing was activated');
  });

  test('a decision in flight finishes on the bundle it started with; the next one uses the new bundle', async () => {
    const extra = {
      id: 'unit.tiny',
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition: "'tiny' in principal.roles && action.amount < 1.0",
      effect: 'allow',
    };
    const a = (await createBundle(deps, { policies }, 'tester')).bundle;
    const b = (await createBundle(deps, { policies: [...policies, extra] }, 'tester')).bundle;
    const first = await activateBundle(deps, a.id, 'tester');
    // Start a decision (it captures bundle A and waits for the log), swap to B before it ends.
    const inFlight = decideOne(deps, refund(0.5, ['tiny']), {
      explain: false,
      mode: 'sync',
      caller: 'unit',
      principal: UNIT_DELEGATE,
    });
    const second = await activateBundle(deps, b.id, 'tester');
    assert.equal(second.generation, first.generation + 1);
    assert.equal(second.previousBundleId, a.id);
    const old = await inFlight;
    assert.equal(old.bundleId, a.id);
    assert.equal(old.decision, 'deny');
    const next = await decideOne(deps, refund(0.5, ['tiny']), {
      explain: false,
      mode: 'sync',
      caller: 'unit',
      principal: UNIT_DELEGATE,
    });
    assert.equal(next.bundleId, b.id);
    assert.equal(next.decision, 'allow');
    // An older generation is never installed over a newer one.
    assert.equal(
      deps.active.install({ ...deps.active.current!, id: a.id, generation: first.generation }),
      false,
    );
    assert.equal(deps.active.current!.id, b.id);
  });

  test('a batch sits at consecutive positions of one log entry; an invalid request or an oversized batch is refused', async () => {
    const batch = await decideBatch(deps, [refund(10), refund(500), refund(9000)], {
      explain: false,
      mode: 'sync',
      caller: 'unit',
      principal: UNIT_DELEGATE,
    });
    assert.deepEqual(
      batch.decisions.map((d) => d.decision),
      ['allow', 'review', 'deny'],
    );
    assert.deepEqual(
      batch.decisions.map((d) => d.position),
      [0, 1, 2].map((i) => batch.logReceipt.position + i),
    );
    await assert.rejects(
      decideBatch(deps, [refund(10), { ...refund(10), action: { type: 'issue_refund', amount: 'ten' } }], {
        explain: false,
        mode: 'sync',
        caller: 'unit',
        principal: UNIT_DELEGATE,
      }),
      (e) => {
        assert.equal((e as { code: string }).code, 'POLICY_REQUEST_INVALID');
        assert.equal(
          (e as { errors: { pointer: string }[] }).errors[0]!.pointer,
          '/body/requests/1/action/amount',
        );
        return true;
      },
    );
    await assert.rejects(
      decideBatch(deps, Array(1001).fill(refund(1)), {
        explain: false,
        mode: 'sync',
        caller: 'unit',
        principal: UNIT_DELEGATE,
      }),
      (e) => pgcErrors.is(e, 'PGC_BATCH_TOO_LARGE'),
    );
    assert.equal(typeof batch.logReceipt.index, 'number');
  });

  test('key rotation: new bundles name the new key; bundles of either key activate, also on a replica that opened its keys before', async () => {
    const replica = createPolicyGovernanceService(
      { ...context, metrics: new Registry() },
      {
        constitution: ac.contract,
        integrity: integrity.contract,
      },
    ).deps;
    const before = await replica.signer();
    const tiny = (n: number) => ({
      id: `unit.rotation-${n}`,
      principles: ['customer-care'],
      target: { actions: ['issue_refund'] },
      condition: `'tiny-${n}' in principal.roles`,
      effect: 'allow',
    });
    const old = (await createBundle(deps, { policies: [...policies, tiny(1)] }, 'tester')).bundle;
    const rotated = await rotateSigningKey(deps, 'tester');
    assert.notEqual(rotated.keyId, rotated.previousKeyId);
    assert.deepEqual(rotated.keys.map((k) => k.keyId).slice(0, 2), [rotated.keyId, rotated.previousKeyId]);
    const fresh = (await createBundle(deps, { policies: [...policies, tiny(2)] }, 'tester')).bundle;
    assert.equal(old.keyId, rotated.previousKeyId);
    assert.equal(fresh.keyId, rotated.keyId);
    assert.equal(before.knows(fresh.keyId), false, 'the replica opened its keys before the rotation');
    assert.equal((await verifiedAndCompiled(replica, fresh)).id, fresh.id);
    assert.equal((await verifiedAndCompiled(replica, old)).id, old.id);
    for (const b of [old, fresh]) assert.equal((await activateBundle(deps, b.id, 'tester')).bundleId, b.id);
    // A bundle naming a key the PGC never had does not verify (one the replica has not compiled yet).
    const third = (await createBundle(deps, { policies: [...policies, tiny(3)] }, 'tester')).bundle;
    await assert.rejects(verifiedAndCompiled(replica, { ...third, keyId: '0'.repeat(16) }), (e) =>
      pgcErrors.is(e, 'PGC_BUNDLE_SIGNATURE_INVALID'),
    );
  });

  test('decisions made in the same turn share one log entry, at consecutive positions', async () => {
    const options = { explain: false, mode: 'sync' as const, caller: 'unit', principal: UNIT_DELEGATE };
    const answers = await Promise.all(
      [refund(10), refund(20), refund(30), refund(40)].map((r) => decideOne(deps, r, options)),
    );
    assert.equal(new Set(answers.map((a) => a.logReceipt.leafHash)).size, 1, 'one entry');
    assert.deepEqual(
      answers.map((a) => a.logReceipt.position),
      [0, 1, 2, 3],
    );
    assert.ok(answers.every((a) => a.logReceipt.index === answers[0]!.logReceipt.index));
  });

  test('review decisions are announced once per log entry, with their positions and receipt', async () => {
    const seen: PolicyDecisionReviewData[] = [];
    const subscription = await context.bus.subscribe<PolicyDecisionReviewData>({
      durable: 'unit-reviews',
      subjects: ['acgs.pgc.policy.decision.review'],
      deliverFrom: 'new',
      handler: async (message) => {
        seen.push(message.event.data);
        await message.ack();
      },
    });
    try {
      const batch = await decideBatch(deps, [refund(10), refund(500), refund(600)], {
        explain: false,
        mode: 'sync',
        caller: 'unit',
        principal: UNIT_DELEGATE,
      });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.length, 1);
      const event = seen[0]!;
      assert.equal(event.index, batch.logReceipt.index);
      assert.equal(event.leafHash, batch.logReceipt.leafHash);
      assert.deepEqual(
        event.reviews.map((r) => [r.decisionId, r.position]),
        [1, 2].map((i) => [batch.decisions[i]!.decisionId, batch.decisions[i]!.position]),
      );
      assert.match(event.reviews[0]!.requestDigest, /^[0-9a-f]{64}$/);
      // The intake logs the decision entry, not the announcement that points at it.
      await new Promise((r) => setTimeout(r, 300));
      const logged = await database
        .as<{ integrity_log_entries: { entry: string } }>()
        .selectFrom('integrity_log_entries')
        .select('entry')
        .execute();
      const types = logged.map((row) => (JSON.parse(row.entry) as { type: string }).type);
      assert.ok(types.includes('policy.decision'));
      assert.ok(!types.includes('policy.decision.review'), `logged: ${[...new Set(types)].join(', ')}`);
    } finally {
      await subscription.stop();
    }
  });

  test('an allow sharing an entry with a review is answered without waiting for the announcement; a refused announcement is 503 for the review only', async () => {
    let release: (() => void) | undefined;
    let refuse = false;
    const gatedBus: EventBus = {
      publish: async (event) => {
        await new Promise<void>((r) => {
          release = r;
        });
        if (refuse) throw new Error('bus away');
        await context.bus.publish(event);
      },
      subscribe: (options) => context.bus.subscribe(options),
      ping: () => context.bus.ping(),
      close: async () => {},
    };
    const log = new DecisionLog(
      integrity.contract,
      new PgcStore(database),
      gatedBus,
      pino({ level: 'silent' }),
      Date.now,
    );
    const bundle = deps.active.require();
    const record = (id: string, decision: string): DecisionRecord => [
      id,
      decision,
      'a'.repeat(64),
      'agent-1',
      'issue_refund',
      'unit',
      [],
    ];
    const review = (id: string): ReviewItem => ({
      offset: 0,
      decisionId: id,
      principalId: 'agent-1',
      actionType: 'issue_refund',
      requestDigest: 'a'.repeat(64),
      matched: [],
      reasons: [],
      obligations: [],
    });
    for (const outcome of ['announced', 'refused'] as const) {
      refuse = outcome === 'refused';
      let reviewSettled = false;
      const allow = log.write(bundle, [record(`a-${outcome}`, 'allow')], 'sync');
      const held = log.write(bundle, [record(`r-${outcome}`, 'review')], 'sync', [review(`r-${outcome}`)]);
      held.then(
        () => {
          reviewSettled = true;
        },
        () => {
          reviewSettled = true;
        },
      );
      const allowed = await allow;
      assert.equal(typeof allowed.index, 'number');
      assert.equal(reviewSettled, false, 'the review waits for the bus');
      for (let i = 0; i < 100 && release === undefined; i++) await new Promise((r) => setTimeout(r, 5));
      release!();
      release = undefined;
      if (outcome === 'announced') assert.equal((await held).leafHash, allowed.leafHash);
      else await assert.rejects(held, (e) => (e as { status: number }).status === 503);
    }
  });

  test('async mode: acknowledged from the outbox, delivered at least once, a redelivery is no duplicate', async () => {
    await deps.log.stop(); // the service's own drainer must not take the entry first
    const store = new PgcStore(database);
    // A log that never drains (its drainer is not started), as if the process died after the answer.
    const stranded = new DecisionLog(
      integrity.contract,
      store,
      context.bus,
      pino({ level: 'silent' }),
      Date.now,
    );
    const bundle = deps.active.require();
    const receipt = await stranded.write(
      bundle,
      [['d-async-1', 'allow', 'a'.repeat(64), 'agent-1', 'issue_refund', 'unit', ['refunds.allow-small@1']]],
      'async',
    );
    assert.equal(receipt.index, null);
    await new Promise((r) => setTimeout(r, 10));
    await stranded.stop();
    const pending = await store.pendingDecisions(10);
    assert.ok(pending.length >= 1, 'the entry waits in the outbox');
    // Deliver it once by hand (the append that happened just before a crash)...
    const first = await integrity.contract.append(JSON.parse(pending[0]!.entry));
    assert.equal(first.leafHash, receipt.leafHash, 'the leaf hash announced in the answer');
    // ...then a restarted drainer delivers it again: same receipt, and the outbox empties.
    const restarted = new DecisionLog(
      integrity.contract,
      store,
      context.bus,
      pino({ level: 'silent' }),
      Date.now,
    );
    await restarted.kick();
    assert.equal((await store.pendingDecisions(10)).length, 0);
    const again = await integrity.contract.append(JSON.parse(pending[0]!.entry));
    assert.equal(again.index, first.index, 'a redelivery returns the first receipt');
  });
});
