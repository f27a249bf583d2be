import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import { LocalEventBus } from '../../bus/index.js';
import type { IntegrityContract } from '../../kernel/contracts/integrity.js';
import { createDatabase } from '../../storage/index.js';
import { IntegrityClient } from '../integrity/client.js';
import { DecisionLog, type DecisionRecord } from './decision-log.js';
import { PgcStore, pgcMigrations } from './store.js';

test('decisions waiting for a log that does not answer are bounded: beyond the bound, 503 SERVICE_OVERLOADED', async () => {
  // A log endpoint that accepts connections and never answers.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-log-'));
  const database = createDatabase(`sqlite:${join(dir, 'a.db')}`);
  await database.migrate('pgc', pgcMigrations);
  const bus = await LocalEventBus.open(database);
  try {
    const log = new DecisionLog(
      new IntegrityClient(`http://127.0.0.1:${port}`, () => ({}), 2000),
      new PgcStore(database),
      bus,
      pino({ level: 'silent' }),
      Date.now,
    );
    const record: DecisionRecord = ['d', 'allow', 'a'.repeat(64), 'p', 'act', 'c', []];
    const bundle = { id: 'b'.repeat(64), constitutionHash: 'c'.repeat(64) };
    const waiting = [
      log.write(bundle, Array(60_000).fill(record), 'sync'),
      log.write(bundle, Array(39_000).fill(record), 'sync'),
    ];
    for (const w of waiting) w.catch(() => {}); // observed below, after the refusal
    await assert.rejects(log.write(bundle, Array(2_000).fill(record), 'sync'), (e) => {
      assert.equal((e as { code: string }).code, 'SERVICE_OVERLOADED');
      assert.equal((e as { headers: Record<string, string> }).headers['retry-after'], '1');
      return true;
    });
    // The waiting ones fail once the log times out: 503, never an acknowledgement.
    const settled = await Promise.allSettled(waiting);
    assert.deepEqual(
      settled.map((r) =>
        r.status === 'rejected' ? (r.reason as { status: number }).status : 'acknowledged',
      ),
      [503, 503],
    );
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bus that hangs holds up only review decisions: allow and deny written after them are answered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-log-'));
  const database = createDatabase(`sqlite:${join(dir, 'a.db')}`);
  await database.migrate('pgc', pgcMigrations);
  const local = await LocalEventBus.open(database);
  // NATS accepting the publish and never acknowledging it.
  let hung = 0;
  const bus: EventBus = {
    publish: () => {
      hung++;
      return new Promise<void>(() => {});
    },
    subscribe: (options) => local.subscribe(options),
    ping: () => local.ping(),
    close: () => local.close(),
  };
  const log = new DecisionLog(
    new IntegrityClient('http://127.0.0.1:1', () => ({}), 500),
    new PgcStore(database),
    bus,
    pino({ level: 'silent' }),
    Date.now,
  );
  try {
    const bundle = { id: 'b'.repeat(64), constitutionHash: 'c'.repeat(64) };
    const review: DecisionRecord = ['r', 'review', 'a'.repeat(64), 'p', 'act', 'c', []];
    const allow: DecisionRecord = ['d', 'allow', 'a'.repeat(64), 'p', 'act', 'c', []];
    const item = {
      offset: 0,
      decisionId: 'r',
      principalId: 'p',
      actionType: 'act',
      requestDigest: 'a'.repeat(64),
      matched: [],
      reasons: [],
      obligations: [],
    };
    // Asynchronous mode answers from the PGC's outbox, so no log service is needed here.
    let reviewSettled = false;
    const settle = () => {
      reviewSettled = true;
    };
    void log.write(bundle, [review], 'async', [item]).then(settle, settle);
    await new Promise((r) => setTimeout(r, 50));
    const receipts = await Promise.all([1, 2, 3].map(() => log.write(bundle, [allow], 'async')));
    assert.equal(receipts.length, 3);
    assert.equal(reviewSettled, false, 'the review decision waits for its announcement');
    assert.equal(hung, 1);
  } finally {
    await log.stop();
    await local.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a decision does not wait for the log writes in flight: up to four go at once, then the rest gather', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-pgc-log-'));
  const database = createDatabase(`sqlite:${join(dir, 'a.db')}`);
  await database.migrate('pgc', pgcMigrations);
  const bus = await LocalEventBus.open(database);
  // A log that answers only when told, so the writes in flight can be counted.
  const appends: { decisions: number; answer: () => void }[] = [];
  const integrity: IntegrityContract = {
    append: (entry) =>
      new Promise((resolve) => {
        const index = appends.length;
        appends.push({
          decisions: (entry.payload as { decisions: unknown[] }).decisions.length,
          answer: () => resolve({ index, leafHash: '0'.repeat(64) }),
        });
      }),
    latestCheckpoint: () => Promise.reject(new Error('not used')),
    inclusionProof: () => Promise.reject(new Error('not used')),
    consistencyProof: () => Promise.reject(new Error('not used')),
  };
  const log = new DecisionLog(integrity, new PgcStore(database), bus, pino({ level: 'silent' }), Date.now);
  const turn = () => new Promise((r) => setImmediate(r));
  try {
    const bundle = { id: 'b'.repeat(64), constitutionHash: 'c'.repeat(64) };
    const record = (id: string): DecisionRecord => [id, 'allow', 'a'.repeat(64), 'p', 'act', 'c', []];
    const receipts: Promise<{ index: number | null }>[] = [];
    for (let i = 0; i < 4; i++) {
      receipts.push(log.write(bundle, [record(`d${i}`)], 'sync'));
      await turn();
    }
    // Each decision of its own turn went out at once, none waiting for the one before.
    assert.deepEqual(
      appends.map((a) => a.decisions),
      [1, 1, 1, 1],
    );
    // With four in flight, later decisions gather, and go together when one is answered.
    for (let i = 4; i < 7; i++) receipts.push(log.write(bundle, [record(`d${i}`)], 'sync'));
    await turn();
    assert.equal(appends.length, 4);
    appends[1]!.answer();
    await turn();
    assert.deepEqual(
      appends.map((a) => a.decisions),
      [1, 1, 1, 1, 3],
    );
    for (const a of appends) a.answer();
    assert.deepEqual(
      (await Promise.all(receipts)).map((r) => r.index),
      [0, 1, 2, 3, 4, 4, 4],
    );
    await turn();
    assert.deepEqual(log.waiting(), { sync: 0, async: 0 });
  } finally {
    await log.stop();
    await bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
