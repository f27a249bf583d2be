/**
 * Admissibility: a variant is admissible only when the formal verifier proves that it
 * satisfies every invariant of the constitution (the Verification contract, invariants only).
 * Results are kept by bundle id, so one policy set is verified once per process, and a
 * resumed run reads the outcomes its archive already holds.
 */
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { VerificationOutcome } from '../search/archive.js';
import type { VariantPolicies } from '../search/variant-policies.js';

/** Per solver query; generous, since a time-out would make the outcome depend on the machine's load. */
const QUERY_TIMEOUT_MS = 30_000;

export class AdmissibilityGate {
  readonly #cache = new Map<string, VerificationOutcome>();
  /** Verifier calls made (cache misses). */
  calls = 0;

  constructor(
    private readonly verifier: VerificationContract,
    private readonly constitution: Pick<ConstitutionVersion, 'hash' | 'document'>,
    private readonly requestedBy: string,
  ) {}

  /** Remembers an outcome already known (from a stored archive). */
  remember(bundleId: string, outcome: VerificationOutcome): void {
    this.#cache.set(bundleId, outcome);
  }

  async check(bundleId: string, policies: VariantPolicies): Promise<VerificationOutcome> {
    const cached = this.#cache.get(bundleId);
    if (cached !== undefined) return cached;
    this.calls++;
    const report = await this.verifier.verify({
      policies,
      constitutionHash: this.constitution.hash,
      constitution: this.constitution.document,
      invariantsOnly: true,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      requestedBy: this.requestedBy,
    });
    const violated = report.invariants.filter((i) => i.status === 'violated').map((i) => i.id);
    const unknown = report.invariants.filter((i) => i.status === 'unknown').map((i) => i.id);
    const outcome: VerificationOutcome = {
      status:
        violated.length > 0
          ? 'violated'
          : unknown.length > 0 || report.notes.length > 0
            ? 'unknown'
            : 'proved',
      violated,
      unknown,
    };
    // An unknown may come from a time limit under load; only settled outcomes are kept.
    if (outcome.status !== 'unknown') this.#cache.set(bundleId, outcome);
    return outcome;
  }
}
