/** The group-commit sequencer over both dialects; hand-over and take-over on PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { logDialects } from '../../../test/support/integrity-databases.js';
import { systemClock } from '../../kernel/clock.js';
import {
  encodeLogEntry,
  formatSignerKey,
  generateSignerKey,
  hashLeaf,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifierKeyOf,
  verifyConsistency,
  verifyInclusion,
} from '../../merkle/index.js';
import { createDatabase } from '../../storage/index.js';
import type { LogDeps } from './log-deps.js';
import { createLogMetrics } from './log-metrics.js';
import { LogSelfCheck } from './log-self-check.js';
import { LogSequencer, type SequencerOptions, wakeOnHandOvers } from './log-sequencer.js';
import { loadLogSettings } from './log-settings.js';
import type { LogStore } from './log-store.js';
import { PostgresAdvisoryLease, type SequencerLease, SingleProcessLease } from './sequencer-lease.js';
import { type LogIdentity, loadLogIdentity } from './signing-keys.js';
import { createLogStore } from './sql-log-store.js';
import { proveConsistency } from './usecases/prove-consistency.js';
import { proveInclusion } from './usecases/prove-inclusion.js';
import { readLatestCheckpoint } from './usecases/read-checkpoint.js';

const dialects = await logDialects();
const logger = pino({ level: 'silent' });
const OPTIONS: SequencerOptions = {
  maxBatch: 4096,
  maxQueue: 100_000,
  checkpointIntervalMs: 0,
  appendTimeoutMs: 10_000,
  handOff: false,
};

const entry = (i: number, writer = 0) =>
  encodeLogEntry({
    type: 'test.append',
    time: '2026-11-30T06:00:00.000Z',
    source: 'pgc',
    payload: { i, writer },
  });

async function identityFor(store: LogStore, dir: string): Promise<LogIdentity> {
  const settings = loadLogSettings({ ACGS_LOG_ORIGIN: 'test.acgs/log' });
  return loadLogIdentity(store, settings, { kind: 'file', path: `${dir}/key` }, logger);
}

function sequencerOf(store: LogStore, lease: SequencerLease, identity: LogIdentity, options = OPTIONS) {
  return new LogSequencer(
    store,
    lease,
    identity,
    options,
    systemClock,
    logger,
    createLogMetrics(new Registry()),
  );
}

for (const dialect of dialects) {
  describe(`LogSequencer: ${dialect.name}`, { skip: dialect.skip }, () => {
    test('64 concurrent writers: every append gets its own index, no gaps, in batches; proofs verify against the signed checkpoint', async () => {
      const db = await dialect.open();
      const store = createLogStore(db.database);
      const identity = await identityFor(store, db.dir);
      const sequencer = sequencerOf(store, new SingleProcessLease(), identity);
      try {
        await sequencer.start();
        const receipts: { index: number; leafHash: string; text: string }[] = [];
        await Promise.all(
          Array.from({ length: 64 }, async (_, writer) => {
            for (let i = 0; i < 8; i++) {
              const text = entry(i, writer);
              const r = await sequencer.append(text, null);
              receipts.push({ index: r.index, leafHash: toHex(r.leafHash), text });
            }
          }),
        );
        const indices = receipts.map((r) => r.index).sort((a, b) => a - b);
        assert.deepEqual(
          indices,
          Array.from({ length: 512 }, (_, i) => i),
        );
        for (const r of receipts) assert.equal(r.leafHash, toHex(hashLeaf(r.text)));
        await sequencer.stop();

        const deps: LogDeps = {
          store,
          sequencer,
          identity,
          clock: systemClock,
          selfCheck: new LogSelfCheck(new Registry()),
        };
        const checkpoint = await readLatestCheckpoint(deps);
        assert.equal(checkpoint.size, 512);
        const opened = openCheckpoint(
          checkpoint.note,
          identity.verifierKeys.map(parseVerifierKey),
          'test.acgs/log',
        );
        assert.equal(toHex(opened.root), checkpoint.rootHash);
        for (const r of receipts.slice(0, 20)) {
          const proof = await proveInclusion(deps, { leafHash: r.leafHash });
          assert.equal(proof.index, r.index);
          assert.ok(
            verifyInclusion(
              r.index,
              512,
              hashLeaf(r.text),
              proof.proof.map((h) => Buffer.from(h, 'hex')),
              opened.root,
            ),
          );
        }
        const consistency = await proveConsistency(deps, 100, 512);
        assert.ok(
          verifyConsistency(
            100,
            512,
            consistency.proof.map((h) => Buffer.from(h, 'hex')),
            Buffer.from(consistency.fromRoot, 'hex'),
            opened.root,
          ),
        );
      } finally {
        await sequencer.stop();
        await db.close();
      }
    });

    test('an append key is logged once: repeats (in one batch or later) get the first receipt', async () => {
      const db = await dialect.open();
      const store = createLogStore(db.database);
      const sequencer = sequencerOf(store, new SingleProcessLease(), await identityFor(store, db.dir));
      try {
        await sequencer.start();
        const [a, b] = await Promise.all([
          sequencer.append(entry(1), 'event-1'),
          sequencer.append(entry(1), 'event-1'),
        ]);
        const c = await sequencer.append(entry(1), 'event-1');
        assert.equal(a.index, b.index);
        assert.equal(a.index, c.index);
        assert.deepEqual([a.fresh, b.fresh, c.fresh], [true, false, false]);
        assert.equal(await store.size(), 1);
      } finally {
        await sequencer.stop();
        await db.close();
      }
    });

    test('restarting resumes the tree from the stored frontier', async () => {
      const db = await dialect.open();
      const store = createLogStore(db.database);
      const identity = await identityFor(store, db.dir);
      try {
        const first = sequencerOf(store, new SingleProcessLease(), identity);
        await first.start();
        await Promise.all(Array.from({ length: 11 }, (_, i) => first.append(entry(i), null)));
        await first.stop();
        const second = sequencerOf(store, new SingleProcessLease(), identity);
        await second.start();
        const r = await second.append(entry(99), null);
        assert.equal(r.index, 11);
        await second.stop();
        const deps: LogDeps = {
          store,
          sequencer: second,
          identity,
          clock: systemClock,
          selfCheck: new LogSelfCheck(new Registry()),
        };
        const proof = await proveInclusion(deps, { index: 3 });
        const checkpoint = await readLatestCheckpoint(deps);
        assert.equal(checkpoint.size, 12);
        assert.ok(
          verifyInclusion(
            3,
            12,
            hashLeaf(entry(3)),
            proof.proof.map((h) => Buffer.from(h, 'hex')),
            Buffer.from(checkpoint.rootHash, 'hex'),
          ),
        );
      } finally {
        await db.close();
      }
    });
  });
}

describe('LogSequencer commit timing (SQLite)', () => {
  test('a gathered append starts its commit within the turn; a plain one first lets the turn bring more', async () => {
    const db = await dialects[0]!.open();
    const store = createLogStore(db.database);
    // When the sequencer hands a batch to the store (the storage may then share the commit's
    // fsync with other work of the turn: sqlite-group-commit.ts).
    let turnEndedAtCommit: boolean[] = [];
    let ended = () => false;
    const commit = store.commit.bind(store);
    store.commit = (batch) => {
      turnEndedAtCommit.push(ended());
      return commit(batch);
    };
    const sequencer = sequencerOf(store, new SingleProcessLease(), await identityFor(store, db.dir));
    try {
      await sequencer.start();
      const turnEnded = () => {
        let done = false;
        setImmediate(() => {
          done = true;
        });
        return () => done;
      };
      turnEndedAtCommit = [];
      ended = turnEnded();
      await sequencer.append(entry(1), null, { gathered: true });
      assert.deepEqual(turnEndedAtCommit, [false], 'committed before the turn ended');
      turnEndedAtCommit = [];
      ended = turnEnded();
      const plain = sequencer.append(entry(2), null);
      const sameTurn = sequencer.append(entry(3), null);
      const [a, b] = await Promise.all([plain, sameTurn]);
      assert.deepEqual(turnEndedAtCommit, [true], 'one commit, after the turn');
      assert.deepEqual([a.index, b.index], [1, 2]);
    } finally {
      await sequencer.stop();
      await db.close();
    }
  });
});

describe('LogSequencer key rotation', () => {
  test('with two signing keys every checkpoint carries both signatures; either key alone verifies it', async () => {
    const db = await dialects[0]!.open();
    const store = createLogStore(db.database);
    const oldKey = generateSignerKey('test.acgs/log');
    const newKey = generateSignerKey('test.acgs/log');
    const settings = loadLogSettings({
      ACGS_LOG_ORIGIN: 'test.acgs/log',
      ACGS_LOG_SIGNING_KEY: `${formatSignerKey(oldKey)} ${formatSignerKey(newKey)}`,
    });
    const identity = await loadLogIdentity(
      store,
      settings,
      { kind: 'file', path: `${db.dir}/unused` },
      logger,
    );
    assert.equal(identity.verifierKeys.length, 2);
    const sequencer = sequencerOf(store, new SingleProcessLease(), identity);
    try {
      await sequencer.start();
      await sequencer.append(entry(1), null);
      await sequencer.stop();
      const latest = (await store.latestCheckpoint())!;
      assert.equal(latest.size, 1);
      assert.equal(latest.note.split('\n— ').length - 1, 2, 'two signature lines');
      for (const key of [oldKey, newKey]) {
        const opened = openCheckpoint(latest.note, [verifierKeyOf(key)], 'test.acgs/log');
        assert.equal(opened.size, 1);
      }
      assert.deepEqual((await store.knownKeys()).sort(), [...identity.verifierKeys].sort());
    } finally {
      await sequencer.stop();
      await db.close();
    }
  });

  test('a key named for another origin is refused', async () => {
    const db = await dialects[0]!.open();
    try {
      const settings = loadLogSettings({
        ACGS_LOG_ORIGIN: 'test.acgs/log',
        ACGS_LOG_SIGNING_KEY: formatSignerKey(generateSignerKey('other.acgs/log')),
      });
      await assert.rejects(
        loadLogIdentity(createLogStore(db.database), settings, { kind: 'file', path: `${db.dir}/k` }, logger),
        /named after the log's origin/,
      );
    } finally {
      await db.close();
    }
  });
});

const postgres = dialects.find((d) => d.name === 'postgres')!;
describe('LogSequencer hand-over (PostgreSQL advisory lock)', { skip: postgres.skip }, () => {
  test('a replica without the lease hands appends to the sequencer; when the sequencer goes, it takes over', async () => {
    const db = await postgres.open();
    const second = createDatabase(db.url);
    const storeA = createLogStore(db.database);
    const storeB = createLogStore(second);
    const identity = await identityFor(storeA, db.dir);
    const options = { ...OPTIONS, handOff: true, pollMs: 10, leaseCheckMs: 100 };
    const a = sequencerOf(storeA, new PostgresAdvisoryLease(db.database), identity, options);
    const b = sequencerOf(storeB, new PostgresAdvisoryLease(second), identity, options);
    try {
      await a.start();
      await b.start();
      assert.equal(a.isSequencer, true);
      assert.equal(b.isSequencer, false);
      const both = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => a.append(entry(i, 0), null)),
        ...Array.from({ length: 20 }, (_, i) => b.append(entry(i, 1), null)),
      ]);
      assert.deepEqual(
        both.map((r) => r.index).sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => i),
      );
      const keyed = await b.append(entry(50, 1), 'handed-over-key');
      const repeated = await b.append(entry(50, 1), 'handed-over-key');
      assert.equal(repeated.index, keyed.index);
      assert.deepEqual([keyed.fresh, repeated.fresh], [true, false]);
      await a.stop();
      const started = Date.now();
      while (!b.isSequencer && Date.now() - started < 5000) await sleep(20);
      assert.equal(b.isSequencer, true, 'the replica took over');
      const after = await b.append(entry(100, 1), null);
      assert.equal(after.index, 41);
    } finally {
      await a.stop();
      await b.stop();
      await second.close();
      await db.close();
    }
  });
  test('a hand-over is integrated and answered on notifications, without waiting for a poll', async () => {
    const db = await postgres.open();
    const second = createDatabase(db.url);
    const storeA = createLogStore(db.database);
    const identity = await identityFor(storeA, db.dir);
    // Polls an hour apart: only the notifications can move a hand-over along.
    const options = { ...OPTIONS, handOff: true, pollMs: 3_600_000, leaseCheckMs: 100 };
    const a = sequencerOf(storeA, new PostgresAdvisoryLease(db.database), identity, options);
    const b = sequencerOf(createLogStore(second), new PostgresAdvisoryLease(second), identity, options);
    const listeners = [wakeOnHandOvers(db.database, a)!, wakeOnHandOvers(second, b)!];
    try {
      await a.start();
      await b.start();
      assert.deepEqual([a.isSequencer, b.isSequencer], [true, false]);
      while (!listeners.every((l) => l.listening)) await sleep(10);
      const handedOver = Promise.all(Array.from({ length: 5 }, (_, i) => b.append(entry(i, 1), `note-${i}`)));
      const answered = await Promise.race([handedOver, sleep(10_000).then(() => 'polls only')]);
      assert.notEqual(answered, 'polls only', 'answered without a poll');
      assert.deepEqual(
        (answered as { index: number }[]).map((r) => r.index).sort((x, y) => x - y),
        [0, 1, 2, 3, 4],
      );
    } finally {
      for (const listener of listeners) await listener.stop();
      await a.stop();
      await b.stop();
      await second.close();
      await db.close();
    }
  });

  test('a replica that cannot read the database answers its waiting hand-overs at once with LOG_APPEND_PENDING', async () => {
    const db = await postgres.open();
    const store = createLogStore(db.database);
    const options = { ...OPTIONS, handOff: true, pollMs: 10, leaseCheckMs: 100, appendTimeoutMs: 60_000 };
    // A replica that never gets the lease, and no sequencer: the hand-over waits.
    const never: SequencerLease = {
      tryAcquire: async () => false,
      stillHeld: async () => false,
      release: async () => {},
    };
    const replica = sequencerOf(store, never, await identityFor(store, db.dir), options);
    try {
      await replica.start();
      const found = store.findKeys.bind(store);
      let away = false;
      store.findKeys = (keys) => (away ? Promise.reject(new Error('connection terminated')) : found(keys));
      const waiting = replica.append(entry(1, 1), 'stored-while-away');
      await sleep(50);
      away = true; // the database goes away while the append waits
      const answer = await Promise.race([
        waiting.then(
          () => 'integrated',
          (error: unknown) => (error as { code?: string }).code,
        ),
        sleep(5000).then(() => 'still waiting'),
      ]);
      assert.equal(answer, 'LOG_APPEND_PENDING');
      assert.equal(
        (await store.pendingAppends(10)).length,
        1,
        'the append stays stored for the next sequencer',
      );
    } finally {
      await replica.stop();
      await db.close();
    }
  });

  test('while hand-over notifications arrive, the pending table is polled once a second, not every pollMs', async () => {
    const db = await postgres.open();
    const store = createLogStore(db.database);
    const sequencer = sequencerOf(
      store,
      new PostgresAdvisoryLease(db.database),
      await identityFor(store, db.dir),
      { ...OPTIONS, handOff: true, pollMs: 10, leaseCheckMs: 100 },
    );
    const polled = store.pendingAppends.bind(store);
    let polls = 0;
    store.pendingAppends = (limit) => {
      polls++;
      return polled(limit);
    };
    const listener = wakeOnHandOvers(db.database, sequencer)!;
    try {
      await sequencer.start();
      while (!listener.listening) await sleep(10);
      await sequencer.append(entry(1), 'first');
      await sleep(100);
      polls = 0;
      await sleep(500);
      assert.ok(polls <= 1, `${polls} polls in 500 ms`);
      // A hand-over still reaches it at once: its notification wakes the sequencer.
      const replica = createDatabase(db.url);
      try {
        await createLogStore(replica).addPending('handed', entry(2), Date.now());
        const started = Date.now();
        while ((await store.findKeys(['handed'])).size === 0) {
          assert.ok(Date.now() - started < 900, 'integrated before the next safety poll');
          await sleep(10);
        }
      } finally {
        await replica.close();
      }
    } finally {
      await listener.stop();
      await sequencer.stop();
      await db.close();
    }
  });

  test('an idle sequencer polls the pending table without writing empty transactions', async () => {
    const db = await postgres.open();
    const store = createLogStore(db.database);
    const options = { ...OPTIONS, handOff: true, pollMs: 10, leaseCheckMs: 100 };
    const sequencer = sequencerOf(
      store,
      new PostgresAdvisoryLease(db.database),
      await identityFor(store, db.dir),
      options,
    );
    const commit = store.commit.bind(store);
    const polled = store.pendingAppends.bind(store);
    let commits = 0;
    let polls = 0;
    // Counted when written: a batch of only keys already logged is refused (LOG_KEY_TAKEN) and
    // answered from the key lookup, writing nothing.
    store.commit = async (batch) => {
      await commit(batch);
      commits++;
    };
    store.pendingAppends = (limit) => {
      polls++;
      return polled(limit);
    };
    try {
      await sequencer.start();
      await sequencer.append(entry(1), 'first');
      commits = 0;
      polls = 0;
      await sleep(300);
      assert.ok(polls >= 5, `the pending table was polled (${polls} times)`);
      // Each commit holds the loop (and the appends that arrive meanwhile) for BEGIN, a read and COMMIT.
      assert.equal(commits, 0, `${commits} commits while idle`);
      const repeated = await sequencer.append(entry(1), 'first');
      assert.deepEqual([repeated.index, repeated.fresh, commits], [0, false, 0]);
      assert.equal((await sequencer.append(entry(2), null)).index, 1);
    } finally {
      await sequencer.stop();
      await db.close();
    }
  });
});
