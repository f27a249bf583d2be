/**
 * The EventBus conformance suite, looped over every adapter: the local bus on SQLite and on
 * PostgreSQL, and NATS JetStream. Each test gets its own backing store (temporary SQLite file,
 * temporary PostgreSQL database, or a unique stream and subject root) and deletes it afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'nats';
import { externalService } from '../../test/support/external-services.js';
import { createTemporaryPostgresDatabase, uniqueRunName } from '../../test/support/postgres-database.js';
import type { EventEnvelope } from '../kernel/events.js';
import { newId } from '../kernel/ids.js';
import { createDatabase } from '../storage/create-database.js';
import type { Database } from '../storage/database.js';
import { busErrors } from './errors.js';
import type { BusMessage, EventBus, SubscribeOptions } from './event-bus.js';
import { LocalEventBus } from './local-event-bus.js';
import { NatsEventBus } from './nats-event-bus.js';

/** A backing store for buses: open as many buses as a test needs, restart them all, clean up. */
interface Fixture {
  open(): Promise<EventBus>;
  /** Closes every bus and the connection to the backing store, as a crash or redeploy would. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

interface AdapterCase {
  readonly name: string;
  readonly skip: string | false;
  setup(): Promise<Fixture>;
}

const [postgres, nats] = await Promise.all([externalService('postgres'), externalService('nats')]);

function localFixture(openDatabase: () => Database, dropStore: () => Promise<void>): Fixture {
  let database = openDatabase();
  const buses: EventBus[] = [];
  const closeAll = async () => {
    for (const bus of buses.splice(0)) await bus.close();
    await database.close();
  };
  return {
    async open() {
      // A poll far slower than the tests' waits: deliveries must come from notifications and timers.
      const bus = await LocalEventBus.open(database, { pollIntervalMs: 10_000 });
      buses.push(bus);
      return bus;
    },
    async restart() {
      await closeAll();
      database = openDatabase();
    },
    async cleanup() {
      await closeAll();
      await dropStore();
    },
  };
}

const ADAPTERS: readonly AdapterCase[] = [
  {
    name: 'local (sqlite)',
    skip: false,
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'acgs-bus-'));
      return localFixture(
        () => createDatabase(join(dir, 'bus.db')),
        async () => rmSync(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'local (postgres)',
    skip: postgres.skip,
    async setup() {
      const temporary = await createTemporaryPostgresDatabase(postgres.url, 'bus');
      return localFixture(
        () => createDatabase(temporary.url, { poolSize: 4 }),
        () => temporary.drop(),
      );
    },
  },
  {
    name: 'nats',
    skip: nats.skip,
    async setup() {
      const stream = uniqueRunName('ACGS_TEST').replace(/[^A-Za-z0-9_-]/g, '_');
      const subjectRoot = uniqueRunName('acgs_test');
      const buses: EventBus[] = [];
      const closeAll = async () => {
        for (const bus of buses.splice(0)) await bus.close();
      };
      return {
        async open() {
          const bus = await NatsEventBus.connect({ url: nats.url, stream, subjectRoot });
          buses.push(bus);
          return bus;
        },
        restart: closeAll,
        async cleanup() {
          await closeAll();
          const nc = await connect({ servers: nats.url });
          try {
            await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
          } finally {
            await nc.close();
          }
        },
      };
    },
  },
];

function makeEvent(type: string, data: unknown = {}, source: EventEnvelope['source'] = 'ac'): EventEnvelope {
  return { id: newId(), type, source, time: new Date().toISOString(), data };
}

interface Delivery {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly deliveryCount: number;
  readonly at: number;
  readonly by: string;
}

/** Records every delivery; `decide` says what to do with each (ack by default). */
function recorder(by = 'main') {
  const deliveries: Delivery[] = [];
  const handler =
    (decide: (message: BusMessage) => Promise<void> = (m) => m.ack()) =>
    async (message: BusMessage) => {
      deliveries.push({
        id: message.event.id,
        type: message.event.type,
        subject: message.subject,
        deliveryCount: message.deliveryCount,
        at: Date.now(),
        by,
      });
      await decide(message);
    };
  return { deliveries, handler };
}

async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const ACK_WAIT_MS = 400;

// The adapters' suites run side by side (each test has its own store), so the file takes about
// as long as the slowest adapter; within one adapter tests run one at a time, keeping the
// timing assertions (ackWait, nak delays) clear of event-loop contention.
describe('EventBus contract', { concurrency: ADAPTERS.length }, () => {
  for (const adapter of ADAPTERS) {
    describe(adapter.name, { skip: adapter.skip, concurrency: 1 }, () => {
      async function withFixture(run: (fixture: Fixture) => Promise<void>): Promise<void> {
        const fixture = await adapter.setup();
        try {
          await run(fixture);
        } finally {
          await fixture.cleanup();
        }
      }

      const subscribeOptions = (
        durable: string,
        subjects: string[],
        handler: SubscribeOptions['handler'],
        extra: Partial<SubscribeOptions> = {},
      ): SubscribeOptions => ({ durable, subjects, handler, ackWaitMs: ACK_WAIT_MS, ...extra });

      test('answers ping; rejects once closed', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          await bus.ping();
          await bus.close();
          await assert.rejects(bus.ping(), (error) => busErrors.is(error, 'BUS_UNAVAILABLE'));
          await assert.rejects(bus.publish(makeEvent('x')), (error) =>
            busErrors.is(error, 'BUS_UNAVAILABLE'),
          );
        }));

      test('delivers matching events with subject, envelope and deliveryCount 1', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          const earlier = makeEvent('policy.created', { n: 1 });
          await bus.publish(earlier);
          const received: BusMessage[] = [];
          await bus.subscribe(
            subscribeOptions('policies', ['acgs.ac.policy.*', 'acgs.auth.>'], async (message) => {
              received.push(message);
              await handler()(message);
            }),
          );
          const other = makeEvent('constitution.version.published');
          const fromAuth = makeEvent('user.created', { u: 'x' }, 'auth');
          const deeper = makeEvent('policy.created.extra');
          const later = makeEvent('policy.retired', { n: 2 });
          for (const event of [other, fromAuth, deeper, later]) await bus.publish(event);
          await until(() => deliveries.length >= 3, 5000, 'three deliveries');
          await sleep(300);
          assert.deepEqual(deliveries.map((d) => d.id).sort(), [earlier.id, fromAuth.id, later.id].sort());
          const first = received.find((m) => m.event.id === earlier.id)!;
          assert.equal(first.subject, 'acgs.ac.policy.created');
          assert.deepEqual(first.event, earlier);
          assert.equal(first.deliveryCount, 1);
          assert.equal(received.find((m) => m.event.id === fromAuth.id)!.subject, 'acgs.auth.user.created');
        }));

      test('delivers promptly after publish', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(subscribeOptions('prompt', ['acgs.>'], handler()));
          await sleep(100);
          await bus.publish(makeEvent('ping'));
          // How soon is a timing (bench/); the deadline only stops a hang.
          await until(() => deliveries.length === 1, 30_000, 'delivery');
        }));

      test('an acked message is not redelivered', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(subscribeOptions('acked', ['acgs.>'], handler()));
          await bus.publish(makeEvent('once'));
          await until(() => deliveries.length === 1);
          await sleep(ACK_WAIT_MS * 2.5);
          assert.equal(deliveries.length, 1);
        }));

      test('an unacked message is redelivered after ackWait with deliveryCount 2', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          // First delivery: return without acking. Later ones: ack.
          await bus.subscribe(
            subscribeOptions(
              'forgetful',
              ['acgs.>'],
              handler(async (m) => {
                if (m.deliveryCount > 1) await m.ack();
              }),
            ),
          );
          await bus.publish(makeEvent('work'));
          // Generous upper bound: a loaded machine delays the poll; the lower bound below is what matters.
          await until(() => deliveries.length === 2, 15_000, 'redelivery');
          const [first, second] = deliveries;
          assert.equal(first!.deliveryCount, 1);
          assert.equal(second!.deliveryCount, 2);
          assert.equal(second!.id, first!.id);
          const gap = second!.at - first!.at;
          assert.ok(gap >= ACK_WAIT_MS - 50, `${adapter.name}: redelivered after ${gap} ms, before ackWait`);
          await sleep(ACK_WAIT_MS * 2);
          assert.equal(deliveries.length, 2, 'acked on second delivery, so no third');
        }));

      test('nak redelivers at once, and nak(delay) after the delay', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(
            subscribeOptions(
              'nakker',
              ['acgs.>'],
              handler(async (m) => {
                if (m.deliveryCount === 1) await m.nak();
                else if (m.deliveryCount === 2) await m.nak(600);
                else await m.ack();
              }),
              { ackWaitMs: 5000 },
            ),
          );
          await bus.publish(makeEvent('retry'));
          await until(() => deliveries.length === 3, 30_000, 'three deliveries');
          const [, second, third] = deliveries;
          assert.deepEqual(
            deliveries.map((d) => d.deliveryCount),
            [1, 2, 3],
          );
          assert.ok(third!.at - second!.at >= 550, `nak(600) redelivered after ${third!.at - second!.at} ms`);
        }));

      test('a handler that throws gets its message back after a back-off', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(
            subscribeOptions(
              'thrower',
              ['acgs.>'],
              handler(async (m) => {
                if (m.deliveryCount === 1) throw new Error('boom');
                await m.ack();
              }),
              { ackWaitMs: 5000 },
            ),
          );
          await bus.publish(makeEvent('fragile'));
          await until(() => deliveries.length === 2, 3000, 'redelivery after throw');
          assert.equal(deliveries[1]!.deliveryCount, 2);
          assert.ok(deliveries[1]!.at - deliveries[0]!.at >= 80, 'back-off before redelivery');
          await sleep(300);
          assert.equal(deliveries.length, 2);
        }));

      test('subscribers sharing a durable split the work; each acked message is handled once', () =>
        withFixture(async (fixture) => {
          const [busA, busB] = [await fixture.open(), await fixture.open()];
          const a = recorder('a');
          const b = recorder('b');
          const slowAck = async (m: BusMessage) => {
            await sleep(15);
            await m.ack();
          };
          // A long ackWait: this test is about sharing; a stalled event loop must not redeliver.
          const shared = { ackWaitMs: 10_000 };
          await busA.subscribe(subscribeOptions('workers', ['acgs.>'], a.handler(slowAck), shared));
          await busB.subscribe(subscribeOptions('workers', ['acgs.>'], b.handler(slowAck), shared));
          const events = Array.from({ length: 24 }, (_, i) => makeEvent('job', { i }));
          for (const event of events) await (events.indexOf(event) % 2 ? busA : busB).publish(event);
          const all = () => [...a.deliveries, ...b.deliveries];
          await until(() => new Set(all().map((d) => d.id)).size === events.length, 10_000, 'all jobs');
          await sleep(300);
          assert.equal(all().length, events.length, `${adapter.name}: no job handled twice`);
          assert.ok(
            a.deliveries.length > 0 && b.deliveries.length > 0,
            `a ${a.deliveries.length}, b ${b.deliveries.length}`,
          );
        }));

      test('separate durables each receive every event', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const one = recorder('one');
          const two = recorder('two');
          await bus.subscribe(subscribeOptions('one', ['acgs.>'], one.handler()));
          await bus.subscribe(subscribeOptions('two', ['acgs.ac.>'], two.handler()));
          await bus.publish(makeEvent('a'));
          await bus.publish(makeEvent('b'));
          await until(() => one.deliveries.length === 2 && two.deliveries.length === 2);
        }));

      test('a durable consumer survives a restart: unacked and new events arrive, acked ones do not', () =>
        withFixture(async (fixture) => {
          const before = await fixture.open();
          const first = recorder('before');
          const acked = makeEvent('acked');
          const unacked = makeEvent('unacked');
          await before.subscribe(
            subscribeOptions(
              'survivor',
              ['acgs.>'],
              first.handler(async (m) => {
                if (m.event.id === acked.id) await m.ack();
              }),
            ),
          );
          await before.publish(acked);
          await before.publish(unacked);
          await until(() => first.deliveries.length === 2, 5000, 'first deliveries');
          // Published with no subscriber running: must still reach the durable after the restart.
          const whileDown = makeEvent('while-down');
          await before.publish(whileDown);

          await fixture.restart();
          const after = await fixture.open();
          const fresh = makeEvent('after-restart');
          await after.publish(fresh);
          const second = recorder('after');
          await after.subscribe(subscribeOptions('survivor', ['acgs.>'], second.handler()));
          await until(() => second.deliveries.length >= 3, ACK_WAIT_MS * 8, 'deliveries after restart');
          await sleep(ACK_WAIT_MS * 2);
          assert.deepEqual(
            second.deliveries.map((d) => d.id).sort(),
            [unacked.id, whileDown.id, fresh.id].sort(),
          );
          const redelivered = second.deliveries.find((d) => d.id === unacked.id)!;
          assert.equal(redelivered.deliveryCount, 2);
        }));

      test('ephemeral: starts at new events; once stopped its consumer and unacked messages are gone', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          await bus.publish(makeEvent('before'));
          const first = recorder('first');
          const held: string[] = [];
          const subscription = await bus.subscribe(
            subscribeOptions(
              'per-process',
              ['acgs.>'],
              async (message) => {
                if (message.event.type === 'unacked') held.push(message.event.id);
                else await first.handler()(message);
              },
              { ephemeral: true, deliverFrom: 'all' },
            ),
          );
          const seen = makeEvent('seen');
          await bus.publish(seen);
          await bus.publish(makeEvent('unacked'));
          await until(() => first.deliveries.length >= 1 && held.length >= 1, 5000, 'deliveries');
          assert.deepEqual(
            first.deliveries.map((d) => d.id),
            [seen.id],
            'started at new events',
          );
          await subscription.stop();
          await bus.publish(makeEvent('while-stopped'));
          const second = recorder('second');
          await bus.subscribe(
            subscribeOptions('per-process', ['acgs.>'], second.handler(), { ephemeral: true }),
          );
          const after = makeEvent('after');
          await bus.publish(after);
          await until(() => second.deliveries.length >= 1, 5000, 'delivery after restart');
          await sleep(ACK_WAIT_MS + 300);
          assert.deepEqual(
            second.deliveries.map((d) => d.id),
            [after.id],
            "a new consumer: neither the stopped one's unacked message nor events published while stopped",
          );
        }));

      test('excludeSubjects: matching events under an excluded filter are never delivered', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(
            subscribeOptions('all-but-reviews', ['acgs.>'], handler(), {
              excludeSubjects: ['acgs.pgc.policy.decision.review', 'acgs.ac.noise.>'],
            }),
          );
          const kept = [makeEvent('policy.created'), makeEvent('policy.decision.review.extra', {}, 'pgc')];
          const skipped = [makeEvent('policy.decision.review', {}, 'pgc'), makeEvent('noise.a.b')];
          for (const event of [skipped[0]!, kept[0]!, skipped[1]!, kept[1]!]) await bus.publish(event);
          await until(() => deliveries.length >= 2, 5000, 'two deliveries');
          await sleep(300);
          assert.deepEqual(deliveries.map((d) => d.id).sort(), kept.map((e) => e.id).sort());
          await assert.rejects(
            bus.subscribe(
              subscribeOptions('bad-exclusion', ['acgs.>'], handler(), { excludeSubjects: ['a b'] }),
            ),
            (error) => busErrors.is(error, 'BUS_SUBJECT_INVALID'),
          );
        }));

      test("deliverFrom 'new' skips events published before the durable existed; 'all' does not", () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const old = makeEvent('old');
          await bus.publish(old);
          const fromNew = recorder('new');
          const fromAll = recorder('all');
          await bus.subscribe(
            subscribeOptions('from-new', ['acgs.>'], fromNew.handler(), { deliverFrom: 'new' }),
          );
          await bus.subscribe(subscribeOptions('from-all', ['acgs.>'], fromAll.handler()));
          const latest = makeEvent('latest');
          await bus.publish(latest);
          await until(() => fromNew.deliveries.length >= 1 && fromAll.deliveries.length >= 2);
          await sleep(200);
          assert.deepEqual(
            fromNew.deliveries.map((d) => d.id),
            [latest.id],
          );
          assert.deepEqual(
            fromAll.deliveries.map((d) => d.id),
            [old.id, latest.id],
          );
        }));

      test('concurrent publishes are all stored and each delivered once', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(
            subscribeOptions('burst', ['acgs.>'], handler(), { concurrency: 8, ackWaitMs: 10_000 }),
          );
          const events = Array.from({ length: 200 }, (_, i) => makeEvent('burst', { i }));
          await Promise.all(events.map((event) => bus.publish(event)));
          await until(() => deliveries.length >= events.length, 10_000, 'all deliveries');
          await sleep(100);
          assert.equal(deliveries.length, events.length);
          assert.equal(new Set(deliveries.map((d) => d.id)).size, events.length);
        }));

      test('publishing the same event id twice delivers it once', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const { deliveries, handler } = recorder();
          await bus.subscribe(subscribeOptions('dedupe', ['acgs.>'], handler()));
          const event = makeEvent('dup');
          await bus.publish(event);
          await bus.publish(event);
          const marker = makeEvent('marker');
          await bus.publish(marker);
          await until(() => deliveries.some((d) => d.id === marker.id));
          await sleep(100);
          assert.deepEqual(
            deliveries.map((d) => d.id),
            [event.id, marker.id],
          );
        }));

      test('a stopped subscription receives nothing; the durable keeps its messages', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const one = recorder('one');
          const subscription = await bus.subscribe(subscribeOptions('pausable', ['acgs.>'], one.handler()));
          await bus.publish(makeEvent('first'));
          await until(() => one.deliveries.length === 1);
          await subscription.stop();
          const missed = makeEvent('while-stopped');
          await bus.publish(missed);
          await sleep(300);
          assert.equal(one.deliveries.length, 1);
          const two = recorder('two');
          await bus.subscribe(subscribeOptions('pausable', ['acgs.>'], two.handler()));
          await until(() => two.deliveries.length === 1, 5000, 'resumed delivery');
          assert.equal(two.deliveries[0]!.id, missed.id);
        }));

      test('runs up to `concurrency` handlers at once', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          let running = 0;
          let peak = 0;
          let done = 0;
          await bus.subscribe(
            subscribeOptions(
              'parallel',
              ['acgs.>'],
              async (m) => {
                running++;
                peak = Math.max(peak, running);
                await sleep(60);
                running--;
                await m.ack();
                done++;
              },
              { concurrency: 3, ackWaitMs: 5000 },
            ),
          );
          for (let i = 0; i < 9; i++) await bus.publish(makeEvent('parallel', { i }));
          await until(() => done === 9, 5000, 'all handled');
          assert.equal(peak, 3);
        }));

      test('rejects invalid durables and subject filters', () =>
        withFixture(async (fixture) => {
          const bus = await fixture.open();
          const noop = async () => {};
          await assert.rejects(bus.subscribe(subscribeOptions('bad name', ['acgs.>'], noop)), (error) =>
            busErrors.is(error, 'BUS_OPTIONS_INVALID'),
          );
          await assert.rejects(bus.subscribe(subscribeOptions('ok', [], noop)), (error) =>
            busErrors.is(error, 'BUS_OPTIONS_INVALID'),
          );
          for (const filter of ['acgs.>.x', 'other.>', 'acgs..x', 'acgs.a b']) {
            await assert.rejects(bus.subscribe(subscribeOptions('ok', [filter], noop)), (error) =>
              busErrors.is(error, 'BUS_SUBJECT_INVALID'),
            );
          }
          await assert.rejects(bus.publish(makeEvent('has space')), (error) =>
            busErrors.is(error, 'BUS_SUBJECT_INVALID'),
          );
        }));
    });
  }
});
