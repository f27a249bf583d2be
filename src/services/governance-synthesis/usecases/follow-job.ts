/**
 * A job's progress as events: a `progress` event whenever its status, stage or progress changes,
 * then one `end` event when it has finished (succeeded, failed, cancelled). The job is read from
 * its table, so the events follow a job whichever replica runs it. The route writes them as
 * server-sent events through the kit's event stream (framing, keep-alive, ending at shutdown).
 */
import type { SynthesisJobs } from '../job-queue.js';
import type { JobView } from '../job-view.js';

export interface FollowOptions {
  /** How often the job is read (default 200 ms). */
  readonly intervalMs?: number;
  /** The last event id the client saw (its Last-Event-ID when it reconnects): numbering goes on after it. */
  readonly lastEventId?: number;
}

/** What an event carries: the job without its result (GET the job for that). */
export type JobProgress = Omit<JobView, 'result'>;

export type JobEventName = 'progress' | 'end';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

function progressOf(job: JobView): JobProgress {
  const { result: _result, ...progress } = job;
  return progress;
}

/**
 * Hands the events of job `id` to `send`, numbered from 1 (or after `lastEventId`), until it finishes or `signal` aborts
 * (the client went away, or the server is stopping). Resolves when the stream should end.
 */
export async function followJob(
  jobs: Pick<SynthesisJobs, 'get'>,
  id: string,
  send: (event: JobEventName, job: JobProgress, eventId: number) => void,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 200;
  let last = '';
  let sent = options.lastEventId ?? 0;
  while (!signal.aborted) {
    const job = await jobs.get(id);
    if (signal.aborted) return;
    if (FINISHED.has(job.status)) {
      send('end', progressOf(job), ++sent);
      return;
    }
    const state = `${job.status}|${job.stage}|${job.progress}`;
    if (state !== last) {
      send('progress', progressOf(job), ++sent);
      last = state;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
