/**
 * Verifications too large to answer within one request run as jobs: 202 with an id, then the
 * progress and the report (or the error) from `GET …/jobs/:id`. Jobs live in memory and are
 * forgotten an hour after they finish (a restart loses running jobs; the caller asks again).
 */
import { randomUUID } from 'node:crypto';
import type {
  VerificationContract,
  VerificationReport,
  VerifyRequest,
} from '../../../kernel/contracts/verification.js';
import { PlatformError } from '../../../kernel/errors.js';
import { verificationErrors } from '../errors.js';

export interface JobView {
  readonly id: string;
  readonly status: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly report?: VerificationReport;
  readonly error?: { readonly code: string; readonly message: string };
}

const KEEP_MS = 3_600_000;

export class VerificationJobs {
  readonly #jobs = new Map<string, { view: JobView; finished?: number }>();

  constructor(private readonly verifier: VerificationContract) {}

  start(request: VerifyRequest): JobView {
    this.#sweep();
    const id = randomUUID();
    const view: JobView = { id, status: 'running', startedAt: new Date().toISOString() };
    const entry: { view: JobView; finished?: number } = { view };
    this.#jobs.set(id, entry);
    this.verifier.verify(request).then(
      (report) => {
        entry.view = { ...view, status: 'done', report };
        entry.finished = Date.now();
      },
      (error: unknown) => {
        const e = error instanceof PlatformError ? error : undefined;
        entry.view = {
          ...view,
          status: 'failed',
          error: { code: e?.code ?? 'INTERNAL', message: e?.message ?? 'the verification failed' },
        };
        entry.finished = Date.now();
      },
    );
    return view;
  }

  get(id: string): JobView {
    const job = this.#jobs.get(id);
    if (job === undefined)
      throw verificationErrors.create('VERIFICATION_JOB_NOT_FOUND', `no verification job ${id}`);
    return job.view;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, job] of this.#jobs)
      if (job.finished !== undefined && now - job.finished > KEEP_MS) this.#jobs.delete(id);
  }
}
