/**
 * Candidate policy sets for the synthesis tests, all derived from the builtin synthesizer's set
 * for the example constitution, as a model would answer them (no `version`, no `obligations`):
 * the set itself, the same set in other words, a valid set that decides differently outside the
 * scenarios, one that breaks an invariant on a scenario, and one that breaks it only beyond them.
 * Also the real formal verifier (Z3) behind the verification contract, with its reports
 * memoized (as the service's verifier caches them), minus the log recording.
 */
import { canonicalJson } from '../../src/kernel/canonical-json.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import type {
  ConstitutionContract,
  ConstitutionDocument,
  ConstitutionVersion,
} from '../../src/kernel/contracts/constitution.js';
import type { VerificationContract, VerificationReport } from '../../src/kernel/contracts/verification.js';
import { parseVocabulary } from '../../src/policy/index.js';
import { z3Solver } from '../../src/services/formal-verification/smt/z3-solver.js';
import { verifyPolicySet } from '../../src/services/formal-verification/verify-policy-set.js';
import { synthesizeBuiltin } from '../../src/services/governance-synthesis/builtin/builtin-synthesizer.js';
import { invariantsOf } from '../../src/services/governance-synthesis/builtin/invariant-matcher.js';
import { exampleConstitution } from './constitution-fixture.js';

export type AnswerPolicy = Record<string, unknown> & { id: string; condition: string; effect: string };

const document = exampleConstitution().document;

/** The example constitution as the active version (version 1, bootstrapped). */
export const exampleVersion: ConstitutionVersion = {
  number: 1,
  hash: constitutionalHashOf(document).hash,
  short: constitutionalHashOf(document).short,
  document,
  publishedAt: '2026-12-01T00:00:00Z',
  publishedBy: 'admin',
  via: 'bootstrap',
};

/**
 * The constitution contract as the synthesis service reads it (the active version), answered
 * with the example; the Constitutional AI service's own contract suite covers the real one.
 */
export const exampleConstitutionContract = {
  activeHash: async () => exampleVersion.hash,
  activeVersion: async () => exampleVersion,
} as unknown as ConstitutionContract;

/** The builtin set as a model's answer. */
export const good: AnswerPolicy[] = synthesizeBuiltin(document).policies.map(
  ({ version: _v, obligations: _o, ...rest }) => rest as AnswerPolicy,
);

/** Without the policy that keeps privacy.no-external-pii-email: a scenario is decided allow. */
export const violating = good.filter((p) => p.id !== 'synth.privacy.no-external-pii-email');

/** Meets every scenario and every invariant on the scenario requests, but not on all requests. */
export const subtlyWrong = good.map((p) =>
  p.id === 'synth.fraud.high-risk' ? { ...p, condition: p.condition.replace('> 0.8', '> 0.9') } : p,
);

/**
 * The same decisions in other words: other ids and descriptions, comparisons turned round
 * (`x > 100.0` as `100.0 < x`), the policies in reverse order.
 */
export const reworded: AnswerPolicy[] = good
  .map((p) => ({
    ...p,
    id: p.id.replace(/^synth\./, 'model.'),
    description: `In other words: ${String(p.description)}`,
    condition: p.condition.replace(/([a-z_.]+) > ([0-9.]+)/g, '$2 < $1'),
  }))
  .reverse();

/**
 * Valid (every scenario, every invariant) but wider: a human marketing lead may also send
 * marketing to customers who consented — no scenario asks, so only the verifier tells it apart.
 */
export const widened: AnswerPolicy[] = [
  ...good,
  {
    id: 'model.allow.marketing-lead',
    description: 'Marketing leads send marketing too.',
    principles: ['marketing-consent'],
    target: { actions: ['send_marketing'] },
    condition: "principal.type == 'human' && ('marketing-lead' in principal.roles)",
    effect: 'allow',
    priority: 10,
  },
];

/** The verifier for `doc` (Z3 in this process), reports memoized by request. */
export function z3Verifier(doc: ConstitutionDocument = document): VerificationContract & { calls: number } {
  const memo = new Map<string, Promise<VerificationReport>>();
  const vocabulary = parseVocabulary(doc.vocabulary);
  const self = {
    calls: 0,
    verify(request: Parameters<VerificationContract['verify']>[0]) {
      const key = canonicalJson({ p: request.policies, a: request.against ?? null });
      let report = memo.get(key);
      if (report === undefined) {
        self.calls++;
        report = verifyPolicySet(
          {
            vocabulary,
            policies: request.policies,
            ...(request.against === undefined ? {} : { against: request.against }),
            defaultDecision: doc.defaultDecision,
            invariants: invariantsOf(doc),
          },
          { solver: z3Solver, invariantsOnly: true },
        );
        memo.set(key, report);
      }
      return report;
    },
    classifyImpact: () => Promise.reject(new Error('synthesis does not classify impact')),
  };
  return self;
}
