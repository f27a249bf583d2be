/**
 * Verifications on their own threads: each thread (verification-worker.ts) has its own Z3 and
 * runs one verification at a time; verifications beyond the threads wait in order. The asking
 * thread only posts the input and receives the result, so its event loop keeps serving health
 * checks and other routes while the solver works (docs/verification.md, "Performance").
 *
 * A thread that dies fails its verification with VERIFICATION_UNAVAILABLE (503) and is replaced
 * on the next request. `close()` ends every thread.
 */
import { Worker } from 'node:worker_threads';
import { PlatformError } from '../../../kernel/errors.js';
import { verificationErrors } from '../errors.js';
import type { Solver } from '../smt/solver.js';
import type { VerificationInput } from '../verification-model.js';
import type { VerificationReport } from '../verification-report.js';
import {
  classifyPolicyChange,
  type ImpactInput,
  type ImpactOutcome,
  mergeParts,
  verifyPolicySet,
} from '../verify-policy-set.js';
import {
  cloneablePolicies,
  type ErrorData,
  type ThreadOptions,
  type WorkReply,
  type WorkRequest,
} from './worker-protocol.js';

/** Runs the verifier's two entry points (on this thread or on others). */
export interface PolicySetVerifier {
  /** The solver's name, e.g. `z3 4.16.0`. */
  readonly name: string;
  verify(
    input: VerificationInput,
    options: ThreadOptions & { readonly onProgress?: (done: number) => void },
  ): Promise<VerificationReport>;
  classify(input: ImpactInput, options: ThreadOptions): Promise<ImpactOutcome>;
  close(): Promise<void>;
}

/** The verifier on the calling thread (the solver keeps its own thread for the queries). */
export function inProcessVerifier(solver: Solver): PolicySetVerifier {
  return {
    name: solver.name,
    verify: (input, options) => verifyPolicySet(input, { ...options, solver }),
    classify: (input, options) => classifyPolicyChange(input, { ...options, solver }),
    close: async () => {},
  };
}

interface Pending {
  readonly request: WorkRequest;
  readonly resolve: (reply: WorkReply) => void;
  readonly reject: (error: unknown) => void;
  readonly onProgress?: (done: number) => void;
}

interface Thread {
  readonly worker: Worker;
  current: Pending | undefined;
}

function rebuilt(error: ErrorData): Error {
  if (error.code !== undefined && error.status !== undefined) {
    return new PlatformError(error.code, error.status, error.title ?? error.code, error.message, {
      ...(error.details === undefined ? {} : { details: error.details }),
      ...(error.errors === undefined ? {} : { errors: error.errors as never }),
    });
  }
  return new Error(error.message);
}

export class WorkerVerifier implements PolicySetVerifier {
  readonly name: string;
  readonly #threads: Thread[] = [];
  readonly #waiting: Pending[] = [];
  #next = 1;
  #closed = false;

  /**
   * @param size threads, each with its own Z3
   * @param niceness the threads' scheduling priority (Linux: per thread, inherited by Z3's own
   *   threads): a service runs them below its event loop, so that under CPU contention the loop
   *   is scheduled first; 0 keeps the process's priority (the CLI, where the report is the point).
   */
  constructor(
    solverName: string,
    private readonly size = 1,
    private readonly niceness = 0,
  ) {
    this.name = solverName;
  }

  /** Starts the threads now (each loads Z3 while it waits), so the first verification does not wait for them. */
  start(): void {
    while (this.#threads.length < this.size) this.#spawn();
  }

  /**
   * One verification, split into as many parts as there are threads (each thread asks its share
   * of the questions, verify-policy-set.ts `part`), merged in the order of a single run.
   */
  async verify(
    input: VerificationInput,
    options: ThreadOptions & { readonly onProgress?: (done: number) => void },
  ): Promise<VerificationReport> {
    const { onProgress, ...threadOptions } = options;
    const cloneable: VerificationInput = {
      ...input,
      policies: cloneablePolicies(input.policies),
      ...(input.against === undefined ? {} : { against: cloneablePolicies(input.against) }),
    };
    const of = this.size;
    const done = new Array<number>(of).fill(0);
    const reports = await Promise.all(
      Array.from({ length: of }, async (_, index) => {
        const reply = await this.#run(
          {
            id: this.#next++,
            kind: 'verify',
            input: cloneable,
            options: of === 1 ? threadOptions : { ...threadOptions, part: { index, of } },
          },
          (share) => {
            done[index] = share;
            onProgress?.(done.reduce((a, b) => a + b, 0) / of);
          },
        );
        if (reply.type !== 'report') throw new Error(`verification thread answered ${reply.type}`);
        return reply.report;
      }),
    );
    return of === 1
      ? reports[0]!
      : mergeParts(
          reports,
          input.invariants.map((i) => i.id),
        );
  }

  async classify(input: ImpactInput, options: ThreadOptions): Promise<ImpactOutcome> {
    const reply = await this.#run({
      id: this.#next++,
      kind: 'classify',
      input: {
        ...input,
        policies: cloneablePolicies(input.policies),
        against: cloneablePolicies(input.against),
      },
      options,
    });
    if (reply.type !== 'impact') throw new Error(`verification thread answered ${reply.type}`);
    return reply.impact;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing = verificationErrors.create('VERIFICATION_UNAVAILABLE', 'the verifier is shutting down', {
      headers: { 'retry-after': '5' },
    });
    for (const p of this.#waiting.splice(0)) p.reject(closing);
    await Promise.all(this.#threads.splice(0).map((t) => t.worker.terminate()));
  }

  #run(request: WorkRequest, onProgress?: (done: number) => void): Promise<WorkReply> {
    if (this.#closed) {
      return Promise.reject(
        verificationErrors.create('VERIFICATION_UNAVAILABLE', 'the verifier is shut down', {
          headers: { 'retry-after': '5' },
        }),
      );
    }
    return new Promise<WorkReply>((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject, ...(onProgress === undefined ? {} : { onProgress }) });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      let idle = this.#threads.find((t) => t.current === undefined);
      if (idle === undefined && this.#threads.length < this.size) idle = this.#spawn();
      if (idle === undefined) return;
      const pending = this.#waiting.shift()!;
      idle.current = pending;
      // A busy thread keeps the process alive; an idle one does not (e.g. a test that never closes).
      idle.worker.ref();
      idle.worker.postMessage(pending.request);
    }
  }

  #spawn(): Thread {
    const worker = new Worker(new URL('./verification-worker.js', import.meta.url), {
      workerData: { niceness: this.niceness },
    });
    worker.unref();
    const thread: Thread = { worker, current: undefined };
    worker.on('message', (reply: WorkReply) => {
      const pending = thread.current;
      if (pending === undefined || reply.id !== pending.request.id) return;
      if (reply.type === 'progress') {
        pending.onProgress?.(reply.done);
        return;
      }
      thread.current = undefined;
      worker.unref();
      if (reply.type === 'error') pending.reject(rebuilt(reply.error));
      else pending.resolve(reply);
      this.#pump();
    });
    const fail = (cause: unknown) => {
      const at = this.#threads.indexOf(thread);
      if (at >= 0) this.#threads.splice(at, 1);
      thread.current?.reject(
        verificationErrors.create('VERIFICATION_UNAVAILABLE', 'the verification thread stopped', {
          headers: { 'retry-after': '5' },
          cause,
        }),
      );
      thread.current = undefined;
      if (!this.#closed) this.#pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    this.#threads.push(thread);
    return thread;
  }
}
