/**
 * The verification contract in-process: resolves the constitution version, runs the verifier
 * (Z3 in this process, off the event loop), caches reports by (policy set, constitution, options)
 * and records every finished report in the integrity log with its hashes.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../kernel/canonical-json.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import type { ConstitutionContract, ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import type { IntegrityContract } from '../../kernel/contracts/integrity.js';
import type {
  ImpactClassification,
  ImpactRequest,
  VerificationContract,
  VerificationReport,
  VerifyRequest,
} from '../../kernel/contracts/verification.js';
import { parseVocabulary } from '../../policy/index.js';
import { verificationErrors } from './errors.js';
import type { Solver } from './smt/solver.js';
import { inProcessVerifier, type PolicySetVerifier } from './worker/worker-verifier.js';

export interface LocalVerifierDeps {
  readonly solver: Solver;
  /** Where verifications run (default: this thread, with `solver`); the service uses worker threads. */
  readonly runner?: PolicySetVerifier;
  /** The contracts, resolved lazily (the wiring builds them after this service). */
  readonly constitution: () => ConstitutionContract;
  readonly integrity: () => IntegrityContract;
  /** Reports kept in memory (default 200). */
  readonly cacheSize?: number;
  /** Verifications waiting at most (default 8); beyond it VERIFICATION_BUSY (503). */
  readonly maxQueue?: number;
}

export const MAX_QUERY_TIMEOUT_MS = 60_000;

function validTimeout(timeout: number | undefined): number | undefined {
  if (
    timeout !== undefined &&
    !(Number.isSafeInteger(timeout) && timeout >= 1 && timeout <= MAX_QUERY_TIMEOUT_MS)
  ) {
    throw verificationErrors.create(
      'VERIFICATION_POLICY_INVALID',
      `queryTimeoutMs must be 1..${MAX_QUERY_TIMEOUT_MS}`,
      {
        errors: [{ pointer: '/queryTimeoutMs', detail: `an integer from 1 to ${MAX_QUERY_TIMEOUT_MS}` }],
      },
    );
  }
  return timeout;
}

export class LocalVerifier implements VerificationContract {
  readonly #cache = new Map<string, VerificationReport>();
  #running = 0;

  readonly #runner: PolicySetVerifier;

  constructor(private readonly deps: LocalVerifierDeps) {
    this.#runner = deps.runner ?? inProcessVerifier(deps.solver);
  }

  async verify(request: VerifyRequest): Promise<VerificationReport> {
    const timeout = validTimeout(request.queryTimeoutMs);
    const document = await this.#constitution(request);
    const key = createHash('sha256')
      .update(
        canonicalJson({
          policies: request.policies,
          against: request.against ?? null,
          constitutionHash: request.constitutionHash,
          invariantsOnly: request.invariantsOnly === true,
          queryTimeoutMs: timeout ?? null,
        }),
      )
      .digest('hex');
    const cached = this.#cache.get(key);
    if (cached !== undefined && request.acceptUnverified !== true) return cached;
    const report =
      cached ??
      (await this.#slot(() =>
        this.#runner.verify(
          {
            vocabulary: parseVocabulary(document.vocabulary),
            policies: request.policies,
            defaultDecision: document.defaultDecision,
            invariants: document.principles.flatMap((p) =>
              p.invariants.map((i) => ({ ...i, principleId: p.id })),
            ),
            ...(request.against === undefined ? {} : { against: request.against }),
          },
          {
            constitutionHash: request.constitutionHash,
            ...(request.invariantsOnly ? { invariantsOnly: true } : {}),
            ...(timeout === undefined ? {} : { queryTimeoutMs: timeout }),
          },
        ),
      ));
    await this.deps.integrity().append({
      type: 'verification.report',
      source: 'fv',
      payload: {
        policySetHash: report.policySetHash,
        constitutionHash: request.constitutionHash,
        summary: report.summary,
        violated: report.invariants.filter((i) => i.status === 'violated').map((i) => i.id),
        unknown: report.invariants.filter((i) => i.status === 'unknown').map((i) => i.id),
        invariantsOnly: request.invariantsOnly === true,
        ...(request.acceptUnverified ? { acceptUnverified: true } : {}),
        ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
      },
    });
    // An `unknown` can come from a time limit; only settled reports are reused.
    if (report.summary.unknown === 0 && report.notes.length === 0) {
      this.#cache.set(key, report);
      if (this.#cache.size > (this.deps.cacheSize ?? 200))
        this.#cache.delete(this.#cache.keys().next().value!);
    }
    return report;
  }

  async classifyImpact(request: ImpactRequest): Promise<ImpactClassification> {
    const timeout = validTimeout(request.queryTimeoutMs);
    const document = await this.#constitution(request);
    const outcome = await this.#slot(() =>
      this.#runner.classify(
        {
          vocabulary: parseVocabulary(document.vocabulary),
          policies: request.policies,
          against: request.against,
          defaultDecision: document.defaultDecision,
        },
        timeout === undefined ? {} : { queryTimeoutMs: timeout },
      ),
    );
    await this.deps.integrity().append({
      type: 'verification.impact',
      source: 'fv',
      payload: {
        policySetHash: outcome.policySetHash,
        previousPolicySetHash: outcome.previousPolicySetHash,
        constitutionHash: request.constitutionHash,
        classification: outcome.classification,
        changes: outcome.changes.map((c) => `${c.from}->${c.to}`),
        ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
      },
    });
    return { ...outcome, constitutionHash: request.constitutionHash };
  }

  /** Runs `work` unless too many verifications are running (VERIFICATION_BUSY, 503). */
  async #slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= (this.deps.maxQueue ?? 8)) {
      throw verificationErrors.create('VERIFICATION_BUSY', `${this.#running} verifications are running`, {
        headers: { 'retry-after': '5' },
      });
    }
    this.#running++;
    try {
      return await work();
    } finally {
      this.#running--;
    }
  }

  async #constitution(request: {
    constitutionHash: string;
    constitution?: ConstitutionDocument;
  }): Promise<ConstitutionDocument> {
    if (request.constitution !== undefined) {
      if (constitutionalHashOf(request.constitution).hash !== request.constitutionHash) {
        throw verificationErrors.create(
          'VERIFICATION_CONSTITUTION_NOT_FOUND',
          'the constitution document does not have the hash given',
          { errors: [{ pointer: '/constitutionHash', detail: 'does not match the document' }] },
        );
      }
      return request.constitution;
    }
    const active = await this.deps.constitution().activeVersion();
    if (active === undefined || active.hash !== request.constitutionHash) {
      throw verificationErrors.create(
        'VERIFICATION_CONSTITUTION_NOT_FOUND',
        `no constitution version ${request.constitutionHash.slice(0, 16)} is active here`,
        { errors: [{ pointer: '/constitutionHash', detail: 'unknown or not the active version' }] },
      );
    }
    return active.document;
  }
}
