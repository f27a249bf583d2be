/**
 * The formal verifier's impact classification (`classifyImpact`: only the impact queries, no
 * invariant proofs) as the PGC's impact classifier: the verifier compares the new bundle's
 * policies with the old bundle's (none active: the empty set, where every request gets the
 * constitution's default) under the new bundle's constitution, and proves for each pair of
 * decisions whether some request moves from one to the other, with an engine-confirmed example
 * per kind of change. A change is `narrowing` only when every move towards a more permissive
 * decision (deny → review → allow) is ruled out by the solver; an unchanged (equivalent) set
 * counts as narrowing (nothing widens). When the verifier cannot be reached the classification
 * fails with 503 — nothing is ever taken as narrowing by default.
 */
import type {
  ChangeImpact,
  ImpactAssessment,
  ImpactClassifier,
} from '../../kernel/contracts/policy-governance.js';
import type { ImpactReport, VerificationContract } from '../../kernel/contracts/verification.js';
import { PlatformError } from '../../kernel/errors.js';
import { pgcErrors } from './errors.js';
import type { StoredBundle } from './store.js';

export interface ImpactSources {
  readonly verifier: VerificationContract;
  bundle(id: string): Promise<StoredBundle | undefined>;
}

export function verifierImpact(sources: ImpactSources): ImpactClassifier {
  return {
    async classify(fromBundleId, toBundleId) {
      const to = await sources.bundle(toBundleId);
      if (to === undefined) throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${toBundleId}`);
      const from = fromBundleId === null ? undefined : await sources.bundle(fromBundleId);
      if (fromBundleId !== null && from === undefined)
        throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${fromBundleId}`);
      try {
        const impact = await sources.verifier.classifyImpact({
          policies: to.policies,
          against: from?.policies ?? [],
          constitutionHash: to.constitutionHash,
          constitution: to.constitution,
          requestedBy: 'pgc:impact',
        });
        return verdictOf(impact);
      } catch (error) {
        if (error instanceof PlatformError && error.status < 500) throw error;
        throw pgcErrors.create(
          'PGC_VERIFIER_UNAVAILABLE',
          'the formal verifier cannot be reached to classify the change; nothing is taken as narrowing',
          { headers: { 'retry-after': '5' }, cause: error },
        );
      }
    },
  };
}

/** The classifier's verdict for the verifier's impact report, with the evidence. */
export function verdictOf(report: ImpactReport): ImpactAssessment {
  const evidence = { classification: report.classification, changes: report.changes };
  const { impact, detail } = verdictWords(report);
  return { impact, detail, ...evidence };
}

function verdictWords(report: ImpactReport): { impact: ChangeImpact; detail: string } {
  const widening = report.changes.find((c) => c.kind === 'widening');
  switch (report.classification) {
    case 'equivalent':
      return { impact: 'narrowing', detail: 'equivalent: no request changes decision' };
    case 'narrowing':
      return {
        impact: 'narrowing',
        detail: `proved: no request is decided more permissively (${report.changes.map((c) => `${c.from} → ${c.to}`).join(', ')})`,
      };
    case 'widening':
    case 'mixed':
      return {
        impact: 'widening',
        detail: widening
          ? `a request decided ${widening.from} before is decided ${widening.to}: ${JSON.stringify(widening.example)}`
          : report.classification,
      };
    case 'unknown':
      return {
        impact: 'unknown',
        detail: `not settled by the solver: ${report.unknown.map((u) => `${u.from} → ${u.to} (${u.reason})`).join('; ')}`,
      };
  }
}
