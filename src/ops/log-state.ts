/** The integrity log's state in a database: what a backup manifest records and a restore checks. */
import { openCheckpoint, parseVerifierKey, toHex, treeRootAsync } from '../merkle/index.js';
import { createLogStore } from '../services/integrity/sql-log-store.js';
import { integrityMigrations } from '../services/integrity/store.js';
import type { Database } from '../storage/database.js';
import type { ManifestLog } from './backup-archive.js';
import { opsErrors } from './errors.js';

/** Reads size, root, latest checkpoint, origin and keys of the log in `database`. */
export async function readLogState(database: Database): Promise<ManifestLog> {
  const pending = await database.pendingMigrations('integrity', integrityMigrations);
  if (pending.length === Object.keys(integrityMigrations).length) {
    throw opsErrors.create(
      'BACKUP_NO_LOG',
      'the database holds no integrity log (its migrations were never applied)',
    );
  }
  const store = createLogStore(database);
  const size = await store.size();
  const checkpoint = await store.latestCheckpoint();
  return {
    origin: (await store.meta('origin')) ?? '',
    size,
    rootHash: toHex(await treeRootAsync(store, size)),
    checkpoint: checkpoint
      ? {
          size: checkpoint.size,
          rootHash: toHex(checkpoint.root),
          note: checkpoint.note,
          signedAt: new Date(checkpoint.signedMs).toISOString(),
        }
      : null,
    verifierKeys: await store.knownKeys(),
  };
}

/**
 * Checks a restored log against the manifest: at least the manifest's entries, the same root over
 * them, and the manifest's checkpoint present and signed by one of its keys. Throws
 * BACKUP_ROOT_MISMATCH naming what differs.
 */
export async function checkRestoredLog(database: Database, expected: ManifestLog): Promise<ManifestLog> {
  const restored = await readLogState(database);
  const store = createLogStore(database);
  const problems: string[] = [];
  if (restored.size < expected.size) {
    problems.push(`the restored log has ${restored.size} entries, the manifest ${expected.size}`);
  } else {
    const root = toHex(await treeRootAsync(store, expected.size));
    if (root !== expected.rootHash) {
      problems.push(`root at size ${expected.size} is ${root}, the manifest says ${expected.rootHash}`);
    }
  }
  if (expected.checkpoint) {
    const verifiers = expected.verifierKeys.map(parseVerifierKey);
    try {
      const signed = openCheckpoint(expected.checkpoint.note, verifiers, expected.origin);
      if (signed.size !== expected.checkpoint.size || toHex(signed.root) !== expected.checkpoint.rootHash) {
        problems.push('the manifest checkpoint note does not say what the manifest says');
      } else if (signed.size <= restored.size) {
        const root = toHex(await treeRootAsync(store, signed.size));
        if (root !== expected.checkpoint.rootHash) {
          problems.push(
            `the signed checkpoint at size ${signed.size} has root ${expected.checkpoint.rootHash}, the restored log ${root}`,
          );
        }
      } else {
        problems.push(
          `the signed checkpoint covers ${signed.size} entries, the restored log has ${restored.size}`,
        );
      }
    } catch (error) {
      problems.push(
        `the manifest checkpoint does not verify: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (restored.origin !== expected.origin) {
    problems.push(
      `origin ${JSON.stringify(restored.origin)}, the manifest says ${JSON.stringify(expected.origin)}`,
    );
  }
  if (problems.length > 0) {
    throw opsErrors.create(
      'BACKUP_ROOT_MISMATCH',
      `the restored log does not match the manifest: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    );
  }
  return restored;
}
