/**
 * Backup and restore on SQLite and PostgreSQL: a round trip loses no acknowledged entry and
 * reproduces the manifest's root; a modified archive, a wrong key, a non-empty target and a
 * manifest whose root the data does not reach are refused; pruning keeps what it should.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { externalService } from '../../test/support/external-services.js';
import { logDialects, type TestDatabase } from '../../test/support/integrity-databases.js';
import { createTemporaryPostgresDatabase } from '../../test/support/postgres-database.js';
import { systemClock } from '../kernel/clock.js';
import { PlatformError } from '../kernel/errors.js';
import { encodeLogEntry, toHex } from '../merkle/index.js';
import { createLogMetrics } from '../services/integrity/log-metrics.js';
import { LogSequencer } from '../services/integrity/log-sequencer.js';
import { loadLogSettings } from '../services/integrity/log-settings.js';
import { SingleProcessLease } from '../services/integrity/sequencer-lease.js';
import { SIGNING_KEY_FILE } from '../services/integrity/service.js';
import { loadLogIdentity } from '../services/integrity/signing-keys.js';
import { createLogStore } from '../services/integrity/sql-log-store.js';
import { createDatabase } from '../storage/index.js';
import { extractArchive, readManifest, writeArchive } from './backup-archive.js';
import { createBackup } from './backup-create.js';
import { generateBackupKeyText, parseBackupKey } from './backup-key.js';
import { pruneBackups } from './backup-prune.js';
import { type RestoreTarget, restoreBackup } from './backup-restore.js';

const dialects = await logDialects();
const postgres = await externalService('postgres');
const logger = pino({ level: 'silent' });
const key = parseBackupKey(generateBackupKeyText(), 'test');
const otherKey = parseBackupKey(generateBackupKeyText(), 'test');

interface Receipt {
  readonly index: number;
  readonly leafHash: string;
  readonly text: string;
}

/** Appends `count` entries through the real sequencer (checkpoint every batch); returns the receipts. */
async function appendEntries(db: TestDatabase, count: number): Promise<Receipt[]> {
  const store = createLogStore(db.database);
  const identity = await loadLogIdentity(
    store,
    loadLogSettings({ ACGS_LOG_ORIGIN: 'backup.test/acgs' }),
    { kind: 'file', path: join(db.dir, SIGNING_KEY_FILE) },
    logger,
  );
  const sequencer = new LogSequencer(
    store,
    new SingleProcessLease(),
    identity,
    { maxBatch: 512, maxQueue: 100_000, checkpointIntervalMs: 0, appendTimeoutMs: 10_000, handOff: false },
    systemClock,
    logger,
    createLogMetrics(new Registry()),
  );
  await sequencer.start();
  try {
    return await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const text = encodeLogEntry({
          type: 'policy.decision',
          time: new Date().toISOString(),
          source: 'pgc',
          payload: { decision: i % 3 === 0 ? 'deny' : 'allow', i },
        });
        const receipt = await sequencer.append(text, `k-${i}`);
        return { index: receipt.index, leafHash: toHex(receipt.leafHash), text };
      }),
    );
  } finally {
    await sequencer.stop();
  }
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PlatformError, String(error));
    return error.code;
  }
  return 'no error';
}

/** A fresh, empty restore target of the dialect. */
async function emptyTarget(dialect: 'sqlite' | 'postgres', dir: string) {
  if (dialect === 'sqlite') {
    const dataDir = join(dir, `restored-${Math.random().toString(36).slice(2)}`);
    return {
      target: { dialect, dataDir } as RestoreTarget,
      url: `sqlite:${join(dataDir, 'log.db')}`,
      drop: async () => {},
    };
  }
  const temporary = await createTemporaryPostgresDatabase(postgres.url, 'restore');
  return {
    target: { dialect, url: temporary.url } as RestoreTarget,
    url: temporary.url,
    drop: temporary.drop,
  };
}

for (const dialect of dialects) {
  describe(`backup and restore: ${dialect.name}`, { skip: dialect.skip }, () => {
    test('round trip: every acknowledged entry is restored, the root equals the manifest, the checkpoint verifies', async () => {
      const db = await dialect.open();
      const out = mkdtempSync(join(tmpdir(), 'acgs-backup-out-'));
      const restore = await emptyTarget(dialect.name, out);
      try {
        const receipts = await appendEntries(db, 700);
        const backup = await createBackup({ databaseUrl: db.url, outDir: out, key, platformVersion: 'test' });
        assert.equal(backup.manifest.log.size, 700);
        assert.equal(backup.manifest.log.checkpoint?.size, 700);
        assert.equal(backup.manifest.keyId, key.id);
        assert.doesNotMatch(
          readFileSync(backup.path).toString('latin1'),
          /policy\.decision/,
          'the payload is encrypted',
        );
        if (dialect.name === 'sqlite') {
          assert.deepEqual(
            backup.manifest.files.map((f) => f.name),
            ['log.db', SIGNING_KEY_FILE],
            'the database and the data directory key file',
          );
        }

        const restored = await restoreBackup(backup.path, key, restore.target);
        assert.equal(restored.log.rootHash, backup.manifest.log.rootHash);
        assert.equal(restored.log.size, 700);
        const database = createDatabase(restored.databaseUrl);
        try {
          const store = createLogStore(database);
          const entries = await store.entries(0, 700);
          for (const receipt of receipts) {
            const stored = entries[receipt.index]!;
            assert.equal(stored.entry, receipt.text);
            assert.equal(toHex(stored.leafHash), receipt.leafHash);
          }
        } finally {
          await database.close();
        }
        if (dialect.name === 'sqlite') {
          const dataDir = (restore.target as { dataDir: string }).dataDir;
          assert.equal(
            readFileSync(join(dataDir, SIGNING_KEY_FILE), 'utf8'),
            readFileSync(join(db.dir, SIGNING_KEY_FILE), 'utf8'),
          );
          assert.deepEqual(
            readdirSync(dataDir).filter((f) => f.endsWith('.restoring')),
            [],
          );
        }
        assert.equal(
          await code(restoreBackup(backup.path, key, restore.target)),
          'BACKUP_TARGET_NOT_EMPTY',
          'a second restore into the same target is refused',
        );
      } finally {
        await restore.drop();
        await db.close();
        rmSync(out, { recursive: true, force: true });
      }
    });

    test('a modified archive, a wrong key and a manifest the data does not match are refused, leaving the target empty', async () => {
      const db = await dialect.open();
      const out = mkdtempSync(join(tmpdir(), 'acgs-backup-out-'));
      const targets: { drop(): Promise<void> }[] = [];
      const fresh = async () => {
        const target = await emptyTarget(dialect.name, out);
        targets.push(target);
        return target.target;
      };
      try {
        await appendEntries(db, 50);
        const backup = await createBackup({ databaseUrl: db.url, outDir: out, key, platformVersion: 'test' });
        const bytes = readFileSync(backup.path);

        assert.equal(await code(restoreBackup(backup.path, otherKey, await fresh())), 'BACKUP_KEY_WRONG');

        const flipped = Buffer.from(bytes);
        flipped[flipped.length - 100]! ^= 0x01;
        writeFileSync(join(out, 'flipped.acgsbak'), flipped);
        const target = await fresh();
        assert.equal(
          await code(restoreBackup(join(out, 'flipped.acgsbak'), key, target)),
          'BACKUP_ARCHIVE_TAMPERED',
        );
        if (target.dialect === 'sqlite')
          assert.deepEqual(existsSync(target.dataDir) ? readdirSync(target.dataDir) : [], []);

        // The manifest is authenticated too: claiming another log size breaks the tag.
        const text = bytes.toString('latin1');
        const edited = text.replace(`"size":50,`, `"size":49,`);
        assert.notEqual(edited, text);
        writeFileSync(join(out, 'edited.acgsbak'), Buffer.from(edited, 'latin1'));
        assert.equal(
          await code(restoreBackup(join(out, 'edited.acgsbak'), key, await fresh())),
          'BACKUP_ARCHIVE_TAMPERED',
        );

        writeFileSync(join(out, 'truncated.acgsbak'), bytes.subarray(0, bytes.length - 10));
        assert.equal(
          await code(restoreBackup(join(out, 'truncated.acgsbak'), key, await fresh())),
          'BACKUP_ARCHIVE_TAMPERED',
        );

        writeFileSync(join(out, 'junk.acgsbak'), 'not an archive');
        assert.equal(
          await code(restoreBackup(join(out, 'junk.acgsbak'), key, await fresh())),
          'BACKUP_ARCHIVE_MALFORMED',
        );

        // An archive written with the right key whose manifest names a root its data does not have.
        const work = mkdtempSync(join(out, 'x-'));
        const { manifest, files } = await extractArchive(backup.path, key, work);
        const wrongRoot = { ...manifest, log: { ...manifest.log, rootHash: '00'.repeat(32) } };
        const sources = manifest.files.map((file) => ({ name: file.name, path: files.get(file.name)! }));
        await writeArchive(join(out, 'wrong-root.acgsbak'), wrongRoot, key, sources);
        const refused = await fresh();
        assert.equal(
          await code(restoreBackup(join(out, 'wrong-root.acgsbak'), key, refused)),
          'BACKUP_ROOT_MISMATCH',
        );
        if (refused.dialect === 'sqlite') assert.deepEqual(readdirSync(refused.dataDir), []);
        else {
          // The refused restore left the database empty: the real archive now restores into it.
          const again = await restoreBackup(backup.path, key, refused);
          assert.equal(again.log.rootHash, manifest.log.rootHash);
        }
        assert.equal(
          await code(
            restoreBackup(backup.path, key, {
              dialect: dialect.name === 'sqlite' ? 'postgres' : 'sqlite',
              dataDir: out,
              url: 'postgres://x@127.0.0.1/x',
            } as RestoreTarget),
          ),
          'BACKUP_DIALECT_MISMATCH',
        );
      } finally {
        for (const target of targets) await target.drop();
        await db.close();
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

test('pruning deletes archives older than the retention, keeps younger ones, the newest, and non-archives', async () => {
  const db = await dialects[0]!.open();
  const out = mkdtempSync(join(tmpdir(), 'acgs-backup-prune-'));
  try {
    await appendEntries(db, 5);
    const now = new Date('2026-12-07T12:00:00Z');
    const daysAgo = (days: number) => () => new Date(now.getTime() - days * 86_400_000);
    const made: Record<number, string> = {};
    for (const days of [45, 31, 29, 1]) {
      made[days] = (
        await createBackup({
          databaseUrl: db.url,
          outDir: out,
          key,
          platformVersion: 'test',
          now: daysAgo(days),
        })
      ).path;
    }
    writeFileSync(join(out, 'stray.acgsbak'), 'not an archive');
    const result = await pruneBackups(out, 30, now);
    assert.deepEqual([...result.deleted].sort(), [made[45]!, made[31]!].sort());
    assert.deepEqual([...result.kept].sort(), [made[29]!, made[1]!].sort());
    assert.equal(result.skipped.length, 1);
    assert.ok(existsSync(join(out, 'stray.acgsbak')));

    // When every archive is past the retention, the newest one stays.
    const later = await pruneBackups(out, 30, new Date(now.getTime() + 90 * 86_400_000));
    assert.deepEqual(later.kept, [made[1]!]);
    assert.equal((await readManifest(made[1]!)).manifest.log.size, 5);
  } finally {
    await db.close();
    rmSync(out, { recursive: true, force: true });
  }
});
