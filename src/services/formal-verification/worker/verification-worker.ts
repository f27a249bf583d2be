/**
 * A verification thread: runs `verifyPolicySet` / `classifyPolicyChange` with its own Z3 for each
 * request the asking thread posts, and posts progress and the result back. All solver work, the
 * encoding and the engine replays happen here, off the asking thread's event loop.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PlatformError } from '../../../kernel/errors.js';
import { preloadZ3, z3Solver } from '../smt/z3-solver.js';
import { classifyPolicyChange, verifyPolicySet } from '../verify-policy-set.js';
import type { ErrorData, WorkReply, WorkRequest } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('verification-worker.js runs as a worker thread');

function errorData(e: unknown): ErrorData {
  if (e instanceof PlatformError) {
    return {
      code: e.code,
      status: e.status,
      title: e.title,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
      ...(e.errors === undefined ? {} : { errors: e.errors }),
    };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

const post = (reply: WorkReply) => port.postMessage(reply);

port.on('message', (request: WorkRequest) => {
  const options = { ...request.options, solver: z3Solver };
  const work =
    request.kind === 'verify'
      ? verifyPolicySet(request.input, {
          ...options,
          onProgress: (done) => post({ id: request.id, type: 'progress', done }),
        }).then((report) => post({ id: request.id, type: 'report', report }))
      : classifyPolicyChange(request.input, options).then((impact) =>
          post({ id: request.id, type: 'impact', impact }),
        );
  work.catch((e: unknown) => post({ id: request.id, type: 'error', error: errorData(e) }));
});

// Below the asking thread's priority when asked (before Z3 starts its own threads, which inherit it).
const niceness = (workerData as { niceness?: number } | undefined)?.niceness ?? 0;
if (niceness > 0) {
  try {
    setPriority(niceness);
  } catch {
    // Not permitted here: the thread keeps the process's priority.
  }
}
// Z3 loads while the thread waits for its first request.
void preloadZ3().catch(() => {});
