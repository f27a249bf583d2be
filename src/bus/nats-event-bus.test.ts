/** NATS-specific behaviour: start-up failure, readiness during an outage, recovery on its own. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'nats';
import { externalService } from '../../test/support/external-services.js';
import { uniqueRunName } from '../../test/support/postgres-database.js';
import { createTcpProxy } from '../../test/support/tcp-proxy.js';
import { newId } from '../kernel/ids.js';
import { busErrors } from './errors.js';
import { NatsEventBus } from './nats-event-bus.js';

const nats = await externalService('nats');

async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const answers = (bus: NatsEventBus) =>
  bus.ping().then(
    () => true,
    () => false,
  );

describe('NatsEventBus', { skip: nats.skip }, () => {
  test('connect rejects quickly with BUS_UNAVAILABLE when nothing listens', async () => {
    await assert.rejects(
      NatsEventBus.connect({ url: 'nats://127.0.0.1:1', connectTimeoutMs: 1000 }),
      (error) => busErrors.is(error, 'BUS_UNAVAILABLE'),
    );
  });

  test('ping fails while NATS is away, then readiness and delivery recover by themselves', {
    timeout: 120_000,
  }, async () => {
    const stream = uniqueRunName('ACGS_OUTAGE');
    const subjectRoot = uniqueRunName('acgs_outage');
    const proxy = await createTcpProxy(nats.url);
    const bus = await NatsEventBus.connect({
      url: proxy.url,
      stream,
      subjectRoot,
      pingTimeoutMs: 1000,
      publishTimeoutMs: 600_000,
    });
    try {
      const received: string[] = [];
      await bus.subscribe({
        durable: 'outage',
        subjects: ['acgs.>'],
        ackWaitMs: 1000,
        handler: async (m) => {
          received.push(m.event.id);
          await m.ack();
        },
      });
      await bus.ping();

      await proxy.stop();
      await until(async () => !(await answers(bus)), 30_000, 'ping to fail');
      // Known to be disconnected: a publish is refused at once (503 with Retry-After), not after
      // the publish timeout, which is ten minutes here against the test's timeout of two: no
      // wall-clock bound to assert.
      await assert.rejects(
        bus.publish({
          id: newId(),
          type: 'during.outage',
          source: 'ac',
          time: new Date().toISOString(),
          data: {},
        }),
        (error) => busErrors.is(error, 'BUS_UNAVAILABLE') && error.headers?.['retry-after'] === '1',
      );

      await proxy.start();
      await until(() => answers(bus), 10_000, 'ping to recover');
      const id = newId();
      await bus.publish({ id, type: 'after.outage', source: 'ac', time: new Date().toISOString(), data: {} });
      await until(() => received.includes(id), 10_000, 'delivery after the outage');
    } finally {
      await bus.close();
      await proxy.stop();
      const nc = await connect({ servers: nats.url });
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
      await nc.close();
    }
  });

  test('maps the logical subject root onto the configured one and back', async () => {
    const stream = uniqueRunName('ACGS_ROOT');
    const subjectRoot = `${uniqueRunName('acgs_root')}.nested`;
    const bus = await NatsEventBus.connect({ url: nats.url, stream, subjectRoot });
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await nc.jetstreamManager();
      assert.deepEqual((await jsm.streams.info(stream)).config.subjects, [`${subjectRoot}.>`]);
      const subjects: string[] = [];
      await bus.subscribe({
        durable: 'root',
        subjects: ['acgs.auth.*'],
        handler: async (m) => {
          subjects.push(m.subject);
          await m.ack();
        },
      });
      await bus.publish({
        id: newId(),
        type: 'login',
        source: 'auth',
        time: new Date().toISOString(),
        data: {},
      });
      await until(() => subjects.length === 1, 5000, 'delivery');
      assert.deepEqual(subjects, ['acgs.auth.login']);
      const stored = await jsm.streams.getMessage(stream, { seq: 1 });
      assert.equal(stored.subject, `${subjectRoot}.auth.login`);
    } finally {
      await bus.close();
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
      await nc.close();
    }
  });
});
