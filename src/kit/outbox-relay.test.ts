/**
 * The outbox relay over the real local bus (SQLite): a drained batch is submitted to the bus
 * together and in order (so the bus's group commit stores it in one transaction), consumers get
 * every event in outbox order, and an event the bus refuses stays in the outbox while the others
 * leave it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { EventBus } from '../bus/event-bus.js';
import { LocalEventBus } from '../bus/local-event-bus.js';
import type { EventEnvelope } from '../kernel/events.js';
import { createDatabase } from '../storage/index.js';
import { type EventOutbox, OutboxRelay } from './outbox-relay.js';

function memoryOutbox(events: EventEnvelope[]): EventOutbox & { readonly rows: EventEnvelope[] } {
  const rows = [...events];
  return {
    rows,
    pending: async (limit) => rows.slice(0, limit),
    remove: async (ids) => {
      for (const id of ids)
        rows.splice(
          rows.findIndex((e) => e.id === id),
          1,
        );
    },
  };
}

const event = (n: number): EventEnvelope => ({
  id: `0190a1b2-c3d4-7e5f-8a9b-${String(n).padStart(12, '0')}`,
  type: 'council.vote.cast',
  source: 'ec',
  time: new Date(0).toISOString(),
  data: { n },
});

describe('OutboxRelay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-outbox-relay-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  let bus: LocalEventBus;

  before(async () => {
    bus = await LocalEventBus.open(database);
  });

  after(async () => {
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits a drained batch together, in order; consumers receive every event in outbox order', async () => {
    let inFlight = 0;
    let most = 0;
    const submitted: string[] = [];
    const counting: EventBus = {
      publish: async (e) => {
        submitted.push(e.id);
        most = Math.max(most, ++inFlight);
        try {
          await bus.publish(e);
        } finally {
          inFlight--;
        }
      },
      subscribe: (options) => bus.subscribe(options),
      ping: () => bus.ping(),
      close: async () => {},
    };
    const events = Array.from({ length: 20 }, (_, i) => event(i));
    const outbox = memoryOutbox(events);
    const received: string[] = [];
    const subscription = await bus.subscribe({
      durable: 'relay-order',
      subjects: ['acgs.ec.>'],
      handler: async (m) => {
        received.push(m.event.id);
        await m.ack();
      },
    });
    await new OutboxRelay(outbox, counting, pino({ level: 'silent' }), 'test events').flush();
    assert.equal(most, 20, 'all twenty were with the bus at once');
    assert.deepEqual(
      submitted,
      events.map((e) => e.id),
    );
    assert.deepEqual(outbox.rows, []);
    for (let i = 0; i < 200 && received.length < 20; i++) await new Promise((r) => setTimeout(r, 10));
    await subscription.stop();
    assert.deepEqual(
      received,
      events.map((e) => e.id),
    );
  });

  it('keeps an event the bus refuses in the outbox; the others leave it', async () => {
    const events = [event(100), event(101), event(102)];
    const refusing: EventBus = {
      publish: async (e) => {
        if (e.id === events[1]!.id) throw new Error('bus refused it');
        await bus.publish(e);
      },
      subscribe: (options) => bus.subscribe(options),
      ping: () => bus.ping(),
      close: async () => {},
    };
    const outbox = memoryOutbox(events);
    await new OutboxRelay(outbox, refusing, pino({ level: 'silent' }), 'test events').flush();
    assert.deepEqual(
      outbox.rows.map((e) => e.id),
      [events[1]!.id],
    );
  });
});
