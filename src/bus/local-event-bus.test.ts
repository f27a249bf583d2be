/** LocalEventBus-specific behaviour: what a real process crash (SIGKILL) leaves behind. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase } from '../storage/create-database.js';
import { LocalEventBus } from './local-event-bus.js';

const here = new URL('.', import.meta.url);

/** A test event of `type` from the Constitutional AI service. */
const event = (type: string) => ({
  id: crypto.randomUUID(),
  type,
  source: 'ac' as const,
  time: new Date().toISOString(),
  data: {},
});

/** Runs in a child: publishes two events, takes one without acking, reports, then waits to be killed. */
const child = (dbPath: string) => `
const { createDatabase } = await import(${JSON.stringify(new URL('../storage/create-database.js', here).href)});
const { LocalEventBus } = await import(${JSON.stringify(new URL('./local-event-bus.js', here).href)});
const bus = await LocalEventBus.open(createDatabase(${JSON.stringify(dbPath)}));
const event = (type) => ({ id: crypto.randomUUID(), type, source: 'ac', time: new Date().toISOString(), data: {} });
const taken = event('taken'), acked = event('acked');
await bus.subscribe({ durable: 'crash', subjects: ['acgs.>'], ackWaitMs: 500, handler: async (m) => {
  if (m.event.id === acked.id) await m.ack();
  if (m.event.id === taken.id) console.log('took ' + taken.id);
}});
await bus.publish(acked);
await bus.publish(taken);
const late = event('late');
await bus.publish(late);
console.log('published ' + [acked.id, taken.id, late.id].join(' '));
setInterval(() => {}, 1000);
`;

test('after SIGKILL, acknowledged publishes survive and the durable resumes where it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bus-crash-'));
  const dbPath = join(dir, 'bus.db');
  try {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child(dbPath)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    proc.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const deadline = Date.now() + 10_000;
    while (!(output.includes('published') && output.includes('took'))) {
      if (Date.now() > deadline) throw new Error(`child did not get ready: ${output}`);
      await sleep(10);
    }
    // With concurrency 1, `taken` (seq 2) only reaches its handler after `acked`'s ack committed.
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));
    const [acked, taken, late] = /published (\S+) (\S+) (\S+)/.exec(output)!.slice(1);

    const database = createDatabase(dbPath);
    const bus = await LocalEventBus.open(database);
    try {
      const seen: { id: string; deliveryCount: number }[] = [];
      await bus.subscribe({
        durable: 'crash',
        subjects: ['acgs.>'],
        ackWaitMs: 500,
        handler: async (m) => {
          seen.push({ id: m.event.id, deliveryCount: m.deliveryCount });
          await m.ack();
        },
      });
      const until = Date.now() + 5000;
      while (seen.length < 2 && Date.now() < until) await sleep(20);
      await sleep(700);
      const ids = seen.map((s) => s.id);
      assert.deepEqual(ids.sort(), [taken, late].sort(), `acked ${acked} must not come back`);
      assert.equal(seen.find((s) => s.id === taken)!.deliveryCount, 2);
    } finally {
      await bus.close();
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prune drops events past retention unless a durable still holds them unacked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bus-prune-'));
  const database = createDatabase(join(dir, 'bus.db'));
  const bus = await LocalEventBus.open(database, { retentionMs: 60_000 });
  try {
    const done = event('done');
    const held = event('held');
    const seen: string[] = [];
    await bus.subscribe({
      durable: 'holder',
      subjects: ['acgs.>'],
      ackWaitMs: 60_000,
      handler: async (m) => {
        seen.push(m.event.id);
        if (m.event.id === done.id) await m.ack();
      },
    });
    await bus.publish(done);
    await bus.publish(held);
    const until = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < until) await sleep(10);
    await sleep(50);
    assert.equal(await bus.prune(Date.now()), 0, 'nothing is old yet');
    assert.equal(await bus.prune(Date.now() + 120_000), 1, 'only the acked event goes');
    const late: string[] = [];
    await bus.subscribe({
      durable: 'late',
      subjects: ['acgs.>'],
      handler: async (m) => {
        late.push(m.event.id);
        await m.ack();
      },
    });
    while (late.length < 1 && Date.now() < until) await sleep(10);
    await sleep(100);
    assert.deepEqual(late, [held.id]);
  } finally {
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('events a consumer does not match cost it no write; after a restart it still gets each match once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bus-cursor-'));
  const path = join(dir, 'bus.db');
  const storedCursor = async (database: ReturnType<typeof createDatabase>) => {
    const row = await database
      .as<{ bus_consumers: { name: string; cursor: number } }>()
      .selectFrom('bus_consumers')
      .select('cursor')
      .where('name', '=', 'picky')
      .executeTakeFirstOrThrow();
    return Number(row.cursor);
  };
  const seen: string[] = [];
  const subscribePicky = (bus: LocalEventBus) =>
    bus.subscribe({
      durable: 'picky',
      subjects: ['acgs.ac.wanted'],
      handler: async (m) => {
        seen.push(m.event.id);
        await m.ack();
      },
    });
  let database = createDatabase(path);
  let bus = await LocalEventBus.open(database);
  try {
    await subscribePicky(bus);
    for (let i = 0; i < 20; i++) await bus.publish(event('other'));
    await sleep(200);
    assert.equal(await storedCursor(database), 0, 'twenty unmatched events: no cursor write');
    for (let i = 0; i < 600; i++) await bus.publish(event('other'));
    const deadline = Date.now() + 5000;
    while ((await storedCursor(database)) < 500 && Date.now() < deadline) await sleep(20);
    assert.ok((await storedCursor(database)) >= 500, 'the stored cursor catches up once it lags a batch');
    const wanted = event('wanted');
    await bus.publish(wanted);
    while (seen.length < 1 && Date.now() < deadline) await sleep(10);
    assert.deepEqual(seen, [wanted.id]);
    assert.equal(await storedCursor(database), 621, 'a match stores the cursor');
    await bus.publish(event('other'));
    await sleep(100);
    await bus.close();
    await database.close();

    database = createDatabase(path);
    bus = await LocalEventBus.open(database);
    await subscribePicky(bus);
    const later = event('wanted');
    await bus.publish(later);
    while (seen.length < 2 && Date.now() < deadline) await sleep(10);
    await sleep(200);
    assert.deepEqual(seen, [wanted.id, later.id], 'each match once, across the restart');
  } finally {
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ephemeral consumer whose process died is removed once expired, with its messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bus-ephemeral-'));
  const database = createDatabase(join(dir, 'bus.db'));
  const bus = await LocalEventBus.open(database);
  try {
    const db = database.as<{
      bus_consumers: {
        name: string;
        subjects: string;
        cursor: number;
        created_ms: number;
        expires_ms: number | null;
      };
      bus_pending: { consumer: string; seq: number; deliveries: number; visible_ms: number };
    }>();
    // As a crashed process leaves them: an ephemeral consumer past its expiry holding a message,
    // one not yet expired, and a durable.
    const now = Date.now();
    await db
      .insertInto('bus_consumers')
      .values([
        { name: 'dead', subjects: '["acgs.>"]', cursor: 0, created_ms: now, expires_ms: now - 1 },
        { name: 'alive', subjects: '["acgs.>"]', cursor: 0, created_ms: now, expires_ms: now + 60_000 },
        { name: 'durable', subjects: '["acgs.>"]', cursor: 0, created_ms: now, expires_ms: null },
      ])
      .execute();
    await db
      .insertInto('bus_pending')
      .values({ consumer: 'dead', seq: 1, deliveries: 1, visible_ms: now })
      .execute();
    await bus.prune();
    const names = (await db.selectFrom('bus_consumers').select('name').orderBy('name').execute()).map(
      (r) => r.name,
    );
    assert.deepEqual(names, ['alive', 'durable']);
    assert.equal(
      (await db.selectFrom('bus_pending').select('seq').where('consumer', '=', 'dead').execute()).length,
      0,
    );
  } finally {
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
