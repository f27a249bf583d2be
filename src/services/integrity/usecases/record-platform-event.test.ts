/** The bus intake on the real local bus: every event logged once, acked after commit, bad ones recorded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { logDialects } from '../../../../test/support/integrity-databases.js';
import { LocalEventBus } from '../../../bus/index.js';
import { systemClock } from '../../../kernel/clock.js';
import type { LogDeps } from '../log-deps.js';
import { createLogMetrics } from '../log-metrics.js';
import { LogSelfCheck } from '../log-self-check.js';
import { LogSequencer } from '../log-sequencer.js';
import { loadLogSettings } from '../log-settings.js';
import { SingleProcessLease } from '../sequencer-lease.js';
import { loadLogIdentity } from '../signing-keys.js';
import { createLogStore } from '../sql-log-store.js';
import { createEventRecorder, INTAKE_CONSUMER, REJECTED_EVENT_TYPE } from './record-platform-event.js';

const [sqlite] = await logDialects();
const logger = pino({ level: 'silent' });

test('the intake logs each event once (by event id), acks after commit, and records events that cannot be entries', async () => {
  const db = await sqlite!.open();
  const store = createLogStore(db.database);
  const settings = loadLogSettings({ ACGS_LOG_ORIGIN: 'intake.acgs.test/log', ACGS_LOG_CHECKPOINT_MS: '0' });
  const identity = await loadLogIdentity(store, settings, { kind: 'file', path: `${db.dir}/key` }, logger);
  const registry = new Registry();
  const sequencer = new LogSequencer(
    store,
    new SingleProcessLease(),
    identity,
    { ...settings, handOff: false },
    systemClock,
    logger,
    createLogMetrics(registry),
  );
  const bus = await LocalEventBus.open(db.database, { pollIntervalMs: 50 });
  const deps: LogDeps = {
    store,
    sequencer,
    identity,
    clock: systemClock,
    selfCheck: new LogSelfCheck(new Registry()),
  };
  try {
    await sequencer.start();
    const subscription = await bus.subscribe({
      durable: INTAKE_CONSUMER,
      subjects: ['acgs.>'],
      concurrency: 8,
      handler: createEventRecorder(deps, registry, logger),
    });
    const event = {
      id: 'evt-1',
      type: 'council.vote.cast',
      source: 'ec' as const,
      time: '2026-11-30T06:00:00.000Z',
      data: { proposal: 'p-7', vote: 'yes' },
    };
    await bus.publish(event);
    await bus.publish(event); // a duplicate delivery of the same event
    await bus.publish({ ...event, id: 'evt-2', data: { note: 'lone \ud800 surrogate' } });
    // Beyond the append limits (65 levels deep; an entry over 1 MiB): refused for good, so
    // recorded as rejected rather than redelivered for ever.
    let deep: unknown = 1;
    for (let i = 0; i < 65; i++) deep = [deep];
    await bus.publish({ ...event, id: 'evt-3', data: { deep } });
    await bus.publish({ ...event, id: 'evt-4', data: { big: 'x'.repeat(1_048_576) } });
    const deadline = Date.now() + 10_000;
    while ((await store.size()) < 4 && Date.now() < deadline) await sleep(20);
    await sleep(300); // time for a wrongly logged duplicate to show up
    assert.equal(await store.size(), 4);
    const [first, second, ...beyond] = await store.entries(0, 4);
    assert.deepEqual(
      beyond.map((e) => {
        const { type, payload } = JSON.parse(e.entry) as { type: string; payload: { eventId: string } };
        return [type, payload.eventId];
      }),
      [
        [REJECTED_EVENT_TYPE, 'evt-3'],
        [REJECTED_EVENT_TYPE, 'evt-4'],
      ],
    );
    assert.equal(
      first!.entry,
      '{"payload":{"proposal":"p-7","vote":"yes"},"source":"ec","time":"2026-11-30T06:00:00.000Z","type":"council.vote.cast","writer":"bus"}',
    );
    const rejected = JSON.parse(second!.entry) as {
      type: string;
      source: string;
      payload: { eventId: string };
    };
    assert.equal(rejected.type, REJECTED_EVENT_TYPE);
    assert.equal(rejected.source, 'integrity');
    assert.equal(rejected.payload.eventId, 'evt-2');
    const metric = await registry.getSingleMetricAsString('acgs_bus_events_consumed_total');
    // Four distinct events consumed (the rejected ones are on the record too); the duplicate is not counted.
    assert.match(metric, /consumer="integrity-intake",source="ec",type="council.vote.cast"\} 4$/m);
    await subscription.stop();
  } finally {
    await bus.close();
    await sequencer.stop();
    await db.close();
  }
});
