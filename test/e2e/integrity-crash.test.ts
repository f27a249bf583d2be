/**
 * Issue 5, done-when 2: a process appending from 64 concurrent writers is killed with SIGKILL
 * mid-stream and restarted; every acknowledged append is present, indices have no gaps, and the
 * export verifies. On SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashLeaf, toHex } from '../../src/merkle/index.js';
import { createLogStore } from '../../src/services/integrity/sql-log-store.js';
import { logDialects } from '../support/integrity-databases.js';
import { runAcgs } from '../support/platform-process.js';

const WRITER = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'integrity-append-writer.js');
const dialects = await logDialects();

interface Ack {
  readonly index: number;
  readonly leafHash: string;
}

/** Runs the writer; resolves with its acks once `stopWhen` holds (then SIGKILLs it) or it exits. */
function runWriter(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  stopWhen: (acks: number) => boolean,
): Promise<{ acks: Ack[]; killed: boolean; stderr: string }> {
  const child: ChildProcess = spawn(process.execPath, [WRITER, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let partial = '';
  let stderr = '';
  let killed = false;
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  child.stdout!.on('data', (chunk) => {
    const text = partial + String(chunk);
    const lines = text.split('\n');
    partial = lines.pop() ?? ''; // a line cut by the kill was never fully acknowledged to us
    for (const line of lines) {
      const match = /^ack (\d+) ([0-9a-f]{64}) \d+ \d+$/.exec(line);
      if (match) acks.push({ index: Number(match[1]), leafHash: match[2]! });
    }
    if (!killed && stopWhen(acks.length)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not finish:\n${stderr}`));
    }, 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve({ acks, killed, stderr });
    });
  });
}

for (const dialect of dialects) {
  describe(`integrity crash test: ${dialect.name}`, { skip: dialect.skip }, () => {
    test('SIGKILL mid-stream with 64 writers: every acknowledged append survives, no gaps, the export verifies', async () => {
      const db = await dialect.open();
      const env = { DATABASE_URL: db.url, ACGS_DATA_DIR: db.dir, ACGS_LOG_ORIGIN: 'crash.acgs.test/log' };
      try {
        const first = await runWriter(env, ['--writers', '64'], (n) => n >= 3000);
        assert.ok(first.killed, `the writer was killed mid-stream:\n${first.stderr}`);
        assert.ok(first.acks.length >= 3000);
        const second = await runWriter(env, ['--writers', '64', '--count', '2'], () => false);
        assert.equal(second.killed, false);
        assert.equal(second.acks.length, 128, second.stderr);

        const store = createLogStore(db.database);
        const size = await store.size();
        const all = [...first.acks, ...second.acks];
        assert.equal(new Set(all.map((a) => a.index)).size, all.length, 'no index acknowledged twice');
        const stored = await store.entries(0, size);
        assert.equal(stored.length, size, 'indices 0 … size−1 all present: no gaps');
        stored.forEach((entry, i) => {
          assert.equal(entry.index, i);
          assert.equal(toHex(hashLeaf(entry.entry)), toHex(entry.leafHash));
        });
        for (const ack of all) {
          assert.ok(ack.index < size, `acknowledged index ${ack.index} is in the log of ${size}`);
          assert.equal(
            toHex(stored[ack.index]!.leafHash),
            ack.leafHash,
            `entry ${ack.index} is the one acknowledged`,
          );
        }
        const latest = await store.latestCheckpoint();
        assert.equal(latest?.size, size, 'the restarted sequencer signed the whole log');

        const exportFile = join(db.dir, 'export.ndjson');
        const exported = runAcgs(['log', 'export', exportFile], env);
        assert.equal(exported.code, 0, exported.stderr);
        const [vkey] = await store.knownKeys();
        const verified = runAcgs(['log', 'verify', exportFile, '--key', vkey!], env);
        assert.equal(verified.code, 0, verified.stdout + verified.stderr);
        assert.match(verified.stdout, new RegExp(`^ok: ${size} entries`));
      } finally {
        await db.close();
      }
    });
  });
}
