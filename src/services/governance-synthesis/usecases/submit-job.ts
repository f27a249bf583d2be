/**
 * Starting a job: pins the constitution version it is for (the active one unless the caller
 * names it, which must then be the active one) and hands it to the queue, which stores it
 * before answering.
 */
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import { synthesisErrors } from '../errors.js';
import type { SynthesisJobs } from '../job-queue.js';
import type { JobView } from '../job-view.js';

/** The body of POST /api/v1/synthesis/jobs, defaults applied. */
export interface JobSubmission {
  /** Absent: the configured default (`jobs.defaultProvider`). */
  readonly provider?: string;
  readonly providers?: readonly string[];
  readonly constitutionHash?: string;
  readonly principles?: readonly string[];
  readonly goal?: string;
  readonly candidates: number;
  readonly propose?: boolean;
}

export async function submitJob(
  jobs: SynthesisJobs,
  constitution: ConstitutionContract,
  request: JobSubmission,
  caller: string,
): Promise<JobView> {
  const active = await constitution.activeVersion();
  if (active === undefined)
    throw synthesisErrors.create(
      'SYNTHESIS_NO_CONSTITUTION',
      'publish a constitution before synthesizing policies',
    );
  if (request.constitutionHash !== undefined && request.constitutionHash !== active.hash)
    throw synthesisErrors.create(
      'SYNTHESIS_CONSTITUTION_MISMATCH',
      `constitutionHash ${request.constitutionHash} is not the active version (${active.hash})`,
      { details: { field: '/constitutionHash', active: active.hash } },
    );
  if (request.provider !== undefined && request.providers !== undefined)
    throw synthesisErrors.create(
      'SYNTHESIS_JOB_INVALID',
      'give provider (one) or providers (several, for consensus), not both',
      { details: { field: '/providers' } },
    );
  const known = new Set(active.document.principles.map((p) => p.id));
  const unknown = (request.principles ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw synthesisErrors.create('SYNTHESIS_JOB_INVALID', `unknown principles: ${unknown.join(', ')}`, {
      details: { field: '/principles', unknown },
    });
  const providers = request.providers === undefined ? undefined : [...new Set(request.providers)];
  return jobs.submit(
    {
      ...request,
      provider: request.provider ?? jobs.defaultProvider,
      ...(providers === undefined ? {} : { providers, provider: providers.join('+') }),
      constitutionHash: active.hash,
    },
    caller,
  );
}
