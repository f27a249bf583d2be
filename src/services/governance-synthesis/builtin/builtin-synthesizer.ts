/**
 * The builtin provider: a deterministic synthesizer that derives a policy set from a
 * constitution alone (invariants, vocabulary, scenarios), so the service is useful with no
 * language model. Same constitution in, same policies out.
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import { compilePolicySet, type Policy, parseVocabulary } from '../../../policy/index.js';
import { compileInvariantMatcher } from './invariant-matcher.js';
import { invariantPolicies, type ScenarioExample } from './invariant-policies.js';
import { scenarioGrants } from './scenario-grants.js';
import { stumpFor } from './scenario-stumps.js';

const RANK = { allow: 1, review: 2, deny: 3 } as const;

export interface BuiltinSynthesis {
  readonly policies: readonly Policy[];
  /** Scenario ids whose expected decision the set does not give (empty on success). */
  readonly unmetScenarios: readonly string[];
}

/** Every scenario of every suite, flattened. */
export function scenarioExamples(document: ConstitutionDocument): ScenarioExample[] {
  return document.scenarioSuites.flatMap((suite) =>
    suite.scenarios.map((s) => ({ id: `${suite.id}/${s.id}`, request: s.request, expected: s.expected })),
  );
}

/**
 * Synthesizes a policy set: restrictions from the invariants, grants from the scenarios that
 * expect allow, and one learned predicate for each scenario the set would decide too
 * permissively. Every policy passes the policy checker against the constitution's vocabulary.
 */
export function synthesizeBuiltin(document: ConstitutionDocument): BuiltinSynthesis {
  const vocabulary = parseVocabulary(document.vocabulary);
  const matcher = compileInvariantMatcher(document, vocabulary);
  const examples = scenarioExamples(document);
  const restrictions = invariantPolicies(matcher, examples);
  const allows = scenarioGrants(
    examples.filter((ex) => ex.expected === 'allow'),
    'allow',
  );
  const options = { defaultDecision: document.defaultDecision };
  const policies = [...restrictions, ...allows];
  let engine = compilePolicySet(policies, vocabulary, options);
  // Too-permissive answers get a stump each; too-strict ones cannot be fixed by adding a
  // restriction and are reported.
  const tooPermissive = examples.filter((ex) => RANK[engine.decide(ex.request).decision] < RANK[ex.expected]);
  for (const ex of tooPermissive) {
    const stump = stumpFor(ex, examples, vocabulary);
    if (stump !== undefined && !policies.some((p) => p.id === stump.id)) policies.push(stump);
  }
  engine = compilePolicySet(policies, vocabulary, options);
  const unmetScenarios = examples
    .filter((ex) => engine.decide(ex.request).decision !== ex.expected)
    .map((ex) => ex.id);
  return { policies, unmetScenarios };
}
