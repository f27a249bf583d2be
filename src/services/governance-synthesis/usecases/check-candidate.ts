/**
 * The checking stage: the candidate must pass the policy checker against the constitution's
 * vocabulary, give every scenario its expected decision, and violate no invariant on any
 * scenario request. The proof over all requests is the next stage's (verify-candidate.ts).
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import {
  checkPolicies,
  compileCheckedPolicySet,
  type Policy,
  parseVocabulary,
  type Vocabulary,
} from '../../../policy/index.js';
import { scenarioExamples } from '../builtin/builtin-synthesizer.js';
import { compileInvariantMatcher, type InvariantMatcher } from '../builtin/invariant-matcher.js';
import type { ScenarioExample } from '../builtin/invariant-policies.js';

export interface Counterexample {
  readonly invariantId: string;
  readonly decision: string;
  readonly request: Readonly<Record<string, unknown>>;
}

export interface CandidateReport {
  readonly policies: number;
  readonly checkerDiagnostics: readonly { readonly pointer: string; readonly message: string }[];
  readonly scenarios: { readonly total: number; readonly failed: readonly string[] };
  /** Invariants checked on every scenario request: `invariant-id: decision for scenario`. */
  readonly invariantViolations: readonly string[];
  /** The same violations as request JSON, for a model to repair against. */
  readonly counterexamples: readonly Counterexample[];
  /** `not-run` here; the verification stage replaces it with the verifier's outcome. */
  readonly verification: {
    readonly status: 'not-run' | 'proved' | 'violated' | 'unknown';
    readonly reason?: string;
  };
  readonly ok: boolean;
}

/** What checking needs of a constitution, compiled once per document (not per candidate). */
interface ConstitutionChecks {
  readonly vocabulary: Vocabulary;
  readonly examples: readonly ScenarioExample[];
  readonly matcher: InvariantMatcher;
}

const compiled = new WeakMap<ConstitutionDocument, ConstitutionChecks>();

function checksFor(document: ConstitutionDocument): ConstitutionChecks {
  let checks = compiled.get(document);
  if (checks === undefined) {
    const vocabulary = parseVocabulary(document.vocabulary);
    checks = {
      vocabulary,
      examples: scenarioExamples(document),
      matcher: compileInvariantMatcher(document, vocabulary),
    };
    compiled.set(document, checks);
  }
  return checks;
}

/** Checks a candidate against the constitution it was written for. */
export function checkCandidate(document: ConstitutionDocument, policies: readonly Policy[]): CandidateReport {
  const { vocabulary, examples, matcher } = checksFor(document);
  const checked = checkPolicies(policies, vocabulary);
  const checkerDiagnostics = checked.diagnostics.map((d) => ({ pointer: d.pointer, message: d.message }));
  const verification = {
    status: 'not-run' as const,
    reason: 'invariants were checked on the scenario requests only',
  };
  if (!checked.ok)
    return {
      policies: policies.length,
      checkerDiagnostics,
      scenarios: { total: examples.length, failed: [] },
      invariantViolations: [],
      counterexamples: [],
      verification,
      ok: false,
    };
  const engine = compileCheckedPolicySet(checked.checked, vocabulary, {
    defaultDecision: document.defaultDecision,
  });
  const failed: string[] = [];
  const invariantViolations: string[] = [];
  const counterexamples: Counterexample[] = [];
  for (const ex of examples) {
    const decision = engine.decide(ex.request).decision;
    if (decision !== ex.expected) failed.push(`${ex.id}: expected ${ex.expected}, got ${decision}`);
    for (const inv of matcher.applicable(ex.request))
      if (inv.forbid.includes(decision)) {
        invariantViolations.push(`${inv.id}: ${decision} for ${ex.id}`);
        counterexamples.push({ invariantId: inv.id, decision, request: ex.request });
      }
  }
  return {
    policies: policies.length,
    checkerDiagnostics,
    scenarios: { total: examples.length, failed },
    invariantViolations,
    counterexamples,
    verification,
    ok: failed.length === 0 && invariantViolations.length === 0,
  };
}
