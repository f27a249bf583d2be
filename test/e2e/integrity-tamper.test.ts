/**
 * Issue 5, done-when 3: changing one stored entry, or a stored node hash, directly in the database
 * makes `acgs log export` and `acgs log verify` name that entry's index. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { hashLeaf } from '../../src/merkle/index.js';
import { createLogStore } from '../../src/services/integrity/sql-log-store.js';
import { logDialects } from '../support/integrity-databases.js';
import { runAcgs } from '../support/platform-process.js';

const WRITER = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'integrity-append-writer.js');
const dialects = await logDialects();

for (const dialect of dialects) {
  describe(`integrity tamper test: ${dialect.name}`, { skip: dialect.skip }, () => {
    test('an edited entry, leaf hash or node hash is named by index', async () => {
      const db = await dialect.open();
      // Checkpoints at most every second: a checkpoint covers many entries, so naming the exact
      // entry takes more than comparing roots.
      const env = { DATABASE_URL: db.url, ACGS_DATA_DIR: db.dir, ACGS_LOG_ORIGIN: 'tamper.acgs.test/log' };
      try {
        const written = spawnSync(process.execPath, [WRITER, '--writers', '64', '--count', '20'], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(written.status, 0, written.stderr);
        const store = createLogStore(db.database);
        const size = await store.size();
        assert.equal(size, 1280);
        const [vkey] = await store.knownKeys();
        const file = join(db.dir, 'export.ndjson');
        const exportAndVerify = (...flags: string[]) => {
          const exported = runAcgs(['log', 'export', file], env);
          const verified = runAcgs(['log', 'verify', file, '--key', vkey!, ...flags], env);
          return { exported, verified };
        };

        const clean = exportAndVerify('--stored-hashes');
        assert.equal(clean.exported.code, 0, clean.exported.stderr);
        assert.equal(clean.verified.code, 0, clean.verified.stdout);
        const checkpoints = (await store.checkpoints(0, size, 1000)).map((c) => c.size);
        assert.ok(
          !checkpoints.some((s) => s === 701 || s === 702),
          `no checkpoint pins entry 701 alone (${checkpoints})`,
        );

        // 1. One entry's text.
        const original = (await store.entry(701))!;
        const edited = original.entry.replace('"writer":', '"writer":1');
        assert.notEqual(edited, original.entry);
        await sql`update integrity_log_entries set entry = ${edited} where idx = 701`.execute(db.database.db);
        let run = exportAndVerify();
        assert.equal(run.exported.code, 1, 'export reports the store disagreeing with itself');
        assert.match(run.exported.stderr, /first bad entry index 701/);
        assert.equal(run.verified.code, 1);
        assert.match(run.verified.stdout, /^FAILED: first bad entry index 701$/m, run.verified.stdout);
        assert.match(run.verified.stdout, /root-mismatch/);
        await sql`update integrity_log_entries set entry = ${original.entry} where idx = 701`.execute(
          db.database.db,
        );

        // 2. One stored leaf hash (a level-0 node).
        const forged = Buffer.alloc(32, 7);
        await sql`update integrity_log_entries set leaf_hash = ${forged} where idx = 333`.execute(
          db.database.db,
        );
        run = exportAndVerify('--stored-hashes');
        assert.equal(run.exported.code, 1);
        assert.match(run.exported.stderr, /first bad entry index 333/);
        assert.equal(run.verified.code, 1);
        assert.match(run.verified.stdout, /^FAILED: first bad entry index 333$/m, run.verified.stdout);
        const leaf333 = Buffer.from(hashLeaf((await store.entry(333))!.entry));
        await sql`update integrity_log_entries set leaf_hash = ${leaf333} where idx = 333`.execute(
          db.database.db,
        );
        assert.equal(exportAndVerify('--stored-hashes').verified.code, 0, 'restored');

        // 3. One stored interior node: (level 3, index 87) over entries 696–703, kept in row 703.
        const row = (
          await sql<{ nodes: Buffer }>`select nodes from integrity_log_entries where idx = 703`.execute(
            db.database.db,
          )
        ).rows[0]!;
        const nodes = Buffer.from(row.nodes);
        nodes[2 * 32] = (nodes[2 * 32] ?? 0) ^ 0xff;
        await sql`update integrity_log_entries set nodes = ${nodes} where idx = 703`.execute(db.database.db);
        run = exportAndVerify('--stored-hashes');
        assert.equal(run.exported.code, 1);
        assert.match(run.exported.stderr, /first bad entry index 696/);
        assert.match(run.exported.stderr, /stored node \(level 3, index 87\)/);
        assert.equal(run.verified.code, 1);
        assert.match(run.verified.stdout, /^FAILED: first bad entry index 703$/m, run.verified.stdout);
        assert.match(run.verified.stdout, /stored node \(level 3, index 87\)/);
      } finally {
        await db.close();
      }
    });
  });
}
