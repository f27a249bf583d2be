/**
 * The embedded database's checkpointer thread (sqlite-checkpointer.ts): its own connection to the
 * database file, which copies the WAL back into the file when asked. A checkpoint writes and
 * fsyncs the database file; here it does so without holding the main thread's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

export type CheckpointMode = 'PASSIVE' | 'RESTART';
export type CheckpointRequest = CheckpointMode | 'close';
export type CheckpointReply =
  | { readonly ok: true; readonly busy: number; readonly log: number; readonly checkpointed: number }
  | { readonly ok: false; readonly message: string };

const port = parentPort!;
const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new BetterSqlite3(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);

port.on('message', (request: CheckpointRequest) => {
  if (request === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    const [row] = db.pragma(`wal_checkpoint(${request})`) as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    reply = { ok: true, busy: row!.busy, log: row!.log, checkpointed: row!.checkpointed };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
