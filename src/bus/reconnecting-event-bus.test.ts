/** ReconnectingEventBus over a real LocalEventBus whose first openings fail, as NATS would at start-up. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '../kernel/events.js';
import { newId } from '../kernel/ids.js';
import { createDatabase } from '../storage/create-database.js';
import type { Database } from '../storage/database.js';
import { busErrors } from './errors.js';
import type { EventBus } from './event-bus.js';
import { LocalEventBus } from './local-event-bus.js';
import { ReconnectingEventBus } from './reconnecting-event-bus.js';

const makeEvent = (type: string): EventEnvelope => ({
  id: newId(),
  type,
  source: 'ac',
  time: new Date().toISOString(),
  data: {},
});

async function withDatabase(run: (database: Database) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-rbus-'));
  const database = createDatabase(join(dir, 'bus.db'));
  try {
    await run(database);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens fail until `available` is set; every bus actually opened is recorded. */
function flakyOpener(database: Database) {
  const state = { available: false, attempts: 0, opened: [] as EventBus[], failures: 0 };
  const open = async () => {
    state.attempts++;
    if (!state.available) throw busErrors.create('BUS_UNAVAILABLE', 'not yet');
    const bus = await LocalEventBus.open(database);
    state.opened.push(bus);
    return bus;
  };
  return { state, open };
}

test('starts without its bus, reports it in ping, and connects in the background', () =>
  withDatabase(async (database) => {
    const { state, open } = flakyOpener(database);
    const bus = new ReconnectingEventBus({ open, retryMs: 50, onAttemptFailed: () => state.failures++ });
    try {
      await assert.rejects(bus.ping(), (error) => busErrors.is(error, 'BUS_UNAVAILABLE'));
      assert.equal(bus.connected, false);
      const received: string[] = [];
      // Subscribed before the bus exists: becomes real once it does.
      await bus.subscribe({
        durable: 'early',
        subjects: ['acgs.>'],
        handler: async (m) => {
          received.push(m.event.id);
          await m.ack();
        },
      });
      await sleep(160);
      assert.ok(state.failures >= 2, `failures ${state.failures}`);
      // Known to be down: publish refuses at once rather than wait.
      await assert.rejects(bus.publish(makeEvent('refused')), (error) =>
        busErrors.is(error, 'BUS_UNAVAILABLE'),
      );
      state.available = true;
      const connectBy = Date.now() + 3000;
      while (!bus.connected && Date.now() < connectBy) await sleep(10);
      assert.equal(bus.connected, true);
      const event = makeEvent('hello');
      await bus.publish(event);
      await bus.ping();
      const deadline = Date.now() + 3000;
      while (!received.includes(event.id) && Date.now() < deadline) await sleep(10);
      assert.deepEqual(received, [event.id]);
      assert.equal(state.opened.length, 1);
    } finally {
      await bus.close();
    }
  }));

test('publish waits for the first attempt only: at most publishWaitMs, and no longer than the attempt', () =>
  withDatabase(async (database) => {
    // An attempt that never ends (a connection that hangs): publish gives up after publishWaitMs.
    const hanging = new ReconnectingEventBus({
      open: () => new Promise<EventBus>(() => {}),
      publishWaitMs: 200,
    });
    try {
      const started = Date.now();
      await assert.rejects(hanging.publish(makeEvent('lost')), (error) =>
        busErrors.is(error, 'BUS_UNAVAILABLE'),
      );
      // Not before publishWaitMs; how much later is the scheduler's business (timings: bench/).
      assert.ok(Date.now() - started >= 180, `took ${Date.now() - started} ms`);
    } finally {
      await hanging.close();
    }
    // An attempt that fails: publish is told when it fails, not after the 60 s it would allow.
    const { open } = flakyOpener(database);
    const failing = new ReconnectingEventBus({ open, retryMs: 50, publishWaitMs: 60_000 });
    try {
      await assert.rejects(failing.publish(makeEvent('lost')), (error) =>
        busErrors.is(error, 'BUS_UNAVAILABLE'),
      );
    } finally {
      await failing.close();
    }
  }));

test('closing before the bus arrives stops trying and closes nothing twice', () =>
  withDatabase(async (database) => {
    const { state, open } = flakyOpener(database);
    const bus = new ReconnectingEventBus({ open, retryMs: 30 });
    await sleep(80);
    await bus.close();
    const attempts = state.attempts;
    state.available = true;
    await sleep(120);
    assert.equal(state.attempts, attempts, 'no attempts after close');
    assert.equal(state.opened.length, 0);
    await assert.rejects(bus.publish(makeEvent('late')), (error) => busErrors.is(error, 'BUS_UNAVAILABLE'));
  }));

test('a subscription that fails on the new bus is retried on it, without opening another bus', () =>
  withDatabase(async (database) => {
    let opened = 0;
    let subscribeFailures = 0;
    const open = async (): Promise<EventBus> => {
      opened++;
      const inner = await LocalEventBus.open(database);
      return {
        publish: (event) => inner.publish(event),
        subscribe: async (options) => {
          if (subscribeFailures++ === 0) throw busErrors.create('BUS_UNAVAILABLE', 'blip');
          return inner.subscribe(options);
        },
        ping: () => inner.ping(),
        close: () => inner.close(),
      };
    };
    const bus = new ReconnectingEventBus({ open, retryMs: 50 });
    try {
      const received: string[] = [];
      await bus.subscribe({
        durable: 'retry',
        subjects: ['acgs.>'],
        handler: async (m) => {
          received.push(m.event.id);
          await m.ack();
        },
      });
      const event = makeEvent('after-blip');
      await bus.publish(event);
      const deadline = Date.now() + 3000;
      while (!received.includes(event.id) && Date.now() < deadline) await sleep(10);
      assert.deepEqual(received, [event.id]);
      assert.equal(opened, 1);
      assert.equal(subscribeFailures, 2);
    } finally {
      await bus.close();
    }
  }));
