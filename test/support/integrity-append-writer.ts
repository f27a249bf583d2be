/**
 * A child process for the integrity crash and take-over tests: runs the log exactly as the service
 * does (store, signing identity, sequencer with the dialect's lease) on DATABASE_URL and appends from
 * `--writers` concurrent writers, printing `ack <index> <leaf hash> <writer> <n>` for every append
 * the log acknowledged. `--count` appends per writer (default: until killed), then a graceful stop.
 * Usage: node integrity-append-writer.js --writers 64 [--count N]
 */
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { systemClock } from '../../src/kernel/clock.js';
import { encodeLogEntry, toHex } from '../../src/merkle/index.js';
import { createLogMetrics } from '../../src/services/integrity/log-metrics.js';
import { LogSequencer } from '../../src/services/integrity/log-sequencer.js';
import { loadLogSettings } from '../../src/services/integrity/log-settings.js';
import { PostgresAdvisoryLease, SingleProcessLease } from '../../src/services/integrity/sequencer-lease.js';
import { SIGNING_KEY_FILE } from '../../src/services/integrity/service.js';
import { loadLogIdentity } from '../../src/services/integrity/signing-keys.js';
import { createLogStore } from '../../src/services/integrity/sql-log-store.js';
import { integrityMigrations } from '../../src/services/integrity/store.js';
import { createDatabase } from '../../src/storage/index.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const writers = flag('writers', 64);
const count = flag('count', Number.POSITIVE_INFINITY);
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const dataDir = resolve(process.env.ACGS_DATA_DIR ?? '.');
const logger = pino({ level: 'warn' }, pino.destination(2));

const database = createDatabase(url);
await database.migrate('integrity', integrityMigrations);
const store = createLogStore(database);
const distributed = database.dialect === 'postgres';
const settings = loadLogSettings();
const identity = await loadLogIdentity(
  store,
  settings,
  distributed ? { kind: 'database' } : { kind: 'file', path: join(dataDir, SIGNING_KEY_FILE) },
  logger,
);
const sequencer = new LogSequencer(
  store,
  distributed ? new PostgresAdvisoryLease(database) : new SingleProcessLease(),
  identity,
  { ...settings, handOff: distributed },
  systemClock,
  logger,
  createLogMetrics(new Registry()),
);
await sequencer.start();
process.stdout.write(`ready ${sequencer.isSequencer ? 'sequencer' : 'replica'}\n`);

// Acks are printed with one write per batch of resolutions: stdout must not be the bottleneck.
let out: string[] = [];
let flushQueued = false;
function ack(line: string) {
  out.push(line);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(() => {
    flushQueued = false;
    const text = out.join('');
    out = [];
    process.stdout.write(text);
  });
}

const tag = process.pid;
await Promise.all(
  Array.from({ length: writers }, async (_, writer) => {
    for (let n = 0; n < count; n++) {
      const entry = encodeLogEntry({
        type: 'test.crash.append',
        time: new Date().toISOString(),
        source: 'pgc',
        payload: { pid: tag, writer, n },
      });
      try {
        const receipt = await sequencer.append(entry, null);
        ack(`ack ${receipt.index} ${toHex(receipt.leafHash)} ${writer} ${n}\n`);
      } catch (error) {
        process.stderr.write(`append failed: ${(error as Error).message}\n`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }),
);
await sequencer.stop();
await database.close();
await new Promise<void>((r) => process.stdout.write(`${out.join('')}done\n`, () => r()));
