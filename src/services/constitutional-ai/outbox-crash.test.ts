/**
 * No acknowledged write is lost on a crash: a process publishes a version while the bus hangs,
 * is killed (SIGKILL) right after the write is acknowledged, and a new process finds the version
 * and publishes the event the dead one never got onto the bus.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openConstitutionFixture } from '../../../test/support/constitution-fixture.js';
import type { EventEnvelope } from '../../kernel/events.js';
import { getVersion } from './usecases/get-version.js';

const here = new URL('.', import.meta.url);
const child = (dbPath: string) => `
const { openConstitutionFixture, exampleDocument } = await import(${JSON.stringify(new URL('../../../test/support/constitution-fixture.js', here).href)});
const { OutboxRelay } = await import(${JSON.stringify(new URL('./outbox-relay.js', here).href)});
const { bootstrapConstitution } = await import(${JSON.stringify(new URL('./usecases/bootstrap-constitution.js', here).href)});
const f = await openConstitutionFixture(undefined, ${JSON.stringify(dbPath)});
const hanging = { publish: () => new Promise(() => {}), subscribe: () => new Promise(() => {}), ping: async () => {}, close: async () => {} };
const deps = { ...f.deps, relay: new OutboxRelay(f.deps.store, hanging, f.deps.logger) };
const version = await bootstrapConstitution(deps, { document: exampleDocument() }, 'admin');
process.stdout.write('ACK ' + version.hash + '\\n');
setInterval(() => {}, 1000);
`;

test('a version acknowledged just before a SIGKILL is there after restart, and its event reaches the bus', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-ac-crash-'));
  const dbPath = join(dir, 'ac.db');
  try {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child(dbPath)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c) => {
      stderr += String(c);
    });
    const acknowledged = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /ACK ([0-9a-f]{64})/.exec(out);
        if (match) resolve(match[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;

    const f = await openConstitutionFixture(undefined, dbPath);
    try {
      const version = await getVersion(f.deps, 'active');
      assert.equal(version.hash, acknowledged);
      const pending = await f.deps.store.outbox.pending(10);
      assert.equal(pending.length, 1, 'the event waits in the outbox');
      const received: EventEnvelope[] = [];
      await f.bus.subscribe({
        durable: 'crash-test',
        subjects: ['acgs.ac.>'],
        handler: async (m) => {
          received.push(m.event);
          await m.ack();
        },
      });
      await f.deps.relay.flush();
      for (let i = 0; i < 300 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, 1);
      assert.equal(received[0]!.id, pending[0]!.id);
      assert.equal((received[0]!.data as { hash: string }).hash, acknowledged);
      assert.deepEqual(await f.deps.store.outbox.pending(10), []);
    } finally {
      await f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
