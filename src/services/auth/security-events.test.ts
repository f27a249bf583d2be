import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { LocalEventBus } from '../../bus/index.js';
import { EVENT_TYPES, type EventEnvelope } from '../../kernel/events.js';
import { createDatabase } from '../../storage/index.js';
import { SecurityEventOutbox } from './security-events.js';
import { AuthStore, authMigrations } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-auth-outbox-'));
const database = createDatabase(`sqlite:${join(dir, 'outbox.db')}`);
after(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

test('security events wait in the outbox while the bus refuses them, and reach it once it is back', async () => {
  await database.migrate('auth', authMigrations);
  const store = new AuthStore(database);
  const logger = pino({ level: 'silent' });
  const downBus = await LocalEventBus.open(database);
  await downBus.close();
  const whileDown = new SecurityEventOutbox(store, downBus, logger, Date.now);
  await whileDown.record(EVENT_TYPES.authLoginFailed, {
    username: 'mallory',
    ip: '203.0.113.9',
    reason: 'credentials',
  });
  await whileDown.record(EVENT_TYPES.authAccountLocked, { username: 'mallory', reason: '5 failed logins' });
  await whileDown.flush();
  assert.deepEqual(
    (await store.pendingOutboxEvents(10)).map((event) => event.type),
    ['auth.login.failed', 'auth.account.locked'],
    'kept, in order',
  );

  const bus = await LocalEventBus.open(database);
  const received: EventEnvelope[] = [];
  await bus.subscribe({
    durable: 'outbox-test',
    subjects: ['acgs.auth.>'],
    handler: async (message) => {
      received.push(message.event);
      await message.ack();
    },
  });
  await new SecurityEventOutbox(store, bus, logger, Date.now).flush();
  const deadline = Date.now() + 5000;
  while (received.length < 2 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(
    received.map((event) => [event.source, event.type, (event.data as { username?: string }).username]),
    [
      ['auth', 'auth.login.failed', 'mallory'],
      ['auth', 'auth.account.locked', 'mallory'],
    ],
  );
  assert.deepEqual(await store.pendingOutboxEvents(10), []);
  await bus.close();
});
