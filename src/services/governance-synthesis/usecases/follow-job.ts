/**
 * A job's progress as server-sent events: a `progress` event whenever its status, stage or
 * progress changes, then one `end` event when it has finished (succeeded, failed, cancelled), and
 * the stream ends. The job is read from its table, so a stream follows a job whichever replica
 * runs it; a comment line every `heartbeatMs` keeps proxies from closing a quiet stream.
 */
import type { SynthesisJobs } from '../job-queue.js';
import type { JobView } from '../job-view.js';

export interface FollowOptions {
  /** How often the job is read (default 200 ms). */
  readonly intervalMs?: number;
  readonly heartbeatMs?: number;
}

/** What an event carries: the job without its result (GET the job for that). */
export type JobProgress = Omit<JobView, 'result'>;

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

function event(name: 'progress' | 'end', id: number, job: JobView): string {
  const { result: _result, ...progress } = job;
  return `event: ${name}\nid: ${id}\ndata: ${JSON.stringify(progress satisfies JobProgress)}\n\n`;
}

/**
 * Writes the events of job `id` to `write` until it finishes or `signal` aborts (the client
 * went away). Resolves when the stream should end.
 */
export async function followJob(
  jobs: Pick<SynthesisJobs, 'get'>,
  id: string,
  write: (chunk: string) => void,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 200;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let last = '';
  let sent = 0;
  let quietSince = Date.now();
  while (!signal.aborted) {
    const job = await jobs.get(id);
    const state = `${job.status}|${job.stage}|${job.progress}`;
    if (FINISHED.has(job.status)) {
      write(event('end', ++sent, job));
      return;
    }
    if (state !== last) {
      write(event('progress', ++sent, job));
      last = state;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= heartbeatMs) {
      write(': still running\n\n');
      quietSince = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
